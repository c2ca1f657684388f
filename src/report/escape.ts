/**
 * Text from a function, a command or a report file (error types and messages, responses, output
 * tails, names), made inert for GitHub-flavoured markdown: it reads the same in the PR comment and
 * the job summary, but cannot close the comment's `<details>`, add HTML, images or links, mention
 * or notify anyone, break out of a table cell, or start a block of its own.
 *
 * - `&`, `<`, `>` become entities, so no tag (`</details>`, `<img>`, `<!--`) survives.
 * - A backslash goes before what could make a link or image (`[`, `]`), a code span, a table cell
 *   border (`|`), emphasis or strike-through (`*`, `~`, and `_` at a word's edge), math (`$`),
 *   and before a backslash, which could otherwise escape the renderer's own markup after it.
 * - `@mentions`, `#123` references and autolinks (`https://`, `www.`) are broken by a zero-width
 *   space, which GitHub's mention, reference and link detection does not cross.
 * - Line breaks become `<br>`: the text stays one line, inside its table cell or list item, so it
 *   cannot start a heading, list, quote or code block.
 *
 * Meant for markdown context; inside a code span backslashes and entities would show, so wrap the
 * result in `<code>...</code>` to show it as code.
 */
export function escapeMarkdown(text: string): string {
  return String(text)
    .replace(/[\\`*[\]|~$]/g, '\\$&')
    .replace(/(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, '\\_')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@/g, '@\u200b')
    .replace(/#(?=\w)/g, '#\u200b')
    .replace(/\b(https?|ftp|mailto|file|data|javascript|vbscript):/gi, '$1\u200b:')
    .replace(/\bwww\./gi, 'www\u200b.')
    .replace(/\r\n?|\n/g, '<br>');
}
