import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StoredComment {
  id: number;
  issue: number;
  body: string;
  html_url: string;
}

export interface GitHubStandIn {
  readonly url: string;
  readonly comments: StoredComment[];
  /** Method and path of every request, in order. */
  readonly requests: string[];
  /** Answer writes as a fork PR's read-only token gets answered. */
  forbidWrites: boolean;
  close(): Promise<void>;
}

/**
 * A local stand-in for the part of the GitHub REST API the action uses (issue comments), for the
 * real Octokit to talk to through GITHUB_API_URL. It pages like GitHub, with Link headers.
 */
export async function startGitHubStandIn(): Promise<GitHubStandIn> {
  const comments: StoredComment[] = [];
  const requests: string[] = [];
  let nextId = 1000;
  let url = '';
  const state = { forbidWrites: false };

  const send = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    const text = JSON.stringify(body);
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    response.end(text);
  };
  const readBody = (request: IncomingMessage): Promise<{ body?: string }> =>
    new Promise((resolve) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => resolve(chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { body?: string }) : {}));
    });

  const server = createServer((request, response) => {
    void (async () => {
      const parsed = new URL(request.url ?? '/', url);
      requests.push(`${request.method} ${parsed.pathname}`);
      const list = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/.exec(parsed.pathname);
      const one = /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(parsed.pathname);
      const forbidden = (): void =>
        send(response, 403, { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest/issues/comments' });
      if (list && request.method === 'GET') {
        const issue = Number(list[1]);
        const perPage = Number(parsed.searchParams.get('per_page') ?? 30);
        const page = Number(parsed.searchParams.get('page') ?? 1);
        const mine = comments.filter((c) => c.issue === issue);
        const slice = mine.slice((page - 1) * perPage, page * perPage);
        const headers: Record<string, string> = {};
        if (page * perPage < mine.length) {
          const next = new URL(parsed.toString());
          next.searchParams.set('page', String(page + 1));
          headers.link = `<${next.toString()}>; rel="next"`;
        }
        send(response, 200, slice, headers);
      } else if (list && request.method === 'POST') {
        if (state.forbidWrites) return forbidden();
        const { body = '' } = await readBody(request);
        const comment = { id: nextId++, issue: Number(list[1]), body, html_url: '' };
        comment.html_url = `https://github.example/pull/${comment.issue}#issuecomment-${comment.id}`;
        comments.push(comment);
        send(response, 201, comment);
      } else if (one && request.method === 'PATCH') {
        if (state.forbidWrites) return forbidden();
        const comment = comments.find((c) => c.id === Number(one[1]));
        if (!comment) return send(response, 404, { message: 'Not Found' });
        comment.body = (await readBody(request)).body ?? '';
        send(response, 200, comment);
      } else {
        send(response, 404, { message: 'Not Found' });
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    comments,
    requests,
    get forbidWrites() {
      return state.forbidWrites;
    },
    set forbidWrites(value: boolean) {
      state.forbidWrites = value;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
