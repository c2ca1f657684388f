/** The name under which the main step tells the post step where its cleanup state is. */
export const STATE_FILE = 'state-file';
