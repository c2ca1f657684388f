import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GitHubUser {
  readonly login: string;
  readonly id: number;
  readonly type: 'User' | 'Bot';
}

interface StoredComment {
  id: number;
  issue: number;
  body: string;
  html_url: string;
  /** Who wrote it; a comment pushed without one was written by a person (`octocat`). */
  user?: GitHubUser;
}

/** What a token stands for: a GitHub App installation (GITHUB_TOKEN) or a person's PAT. */
interface TokenIdentity {
  readonly user: GitHubUser;
  readonly installation: boolean;
}

/** The author of comments made with a workflow's GITHUB_TOKEN. */
export const GITHUB_ACTIONS_BOT: GitHubUser = { login: 'github-actions[bot]', id: 41898282, type: 'Bot' };
const PERSON: GitHubUser = { login: 'octocat', id: 583231, type: 'User' };

export interface GitHubStandIn {
  readonly url: string;
  readonly comments: StoredComment[];
  /** Method and path of every request, in order. */
  readonly requests: string[];
  /** Answer writes as a fork PR's read-only token gets answered. */
  forbidWrites: boolean;
  /** Tokens it accepts; `test-token` is a GITHUB_TOKEN (an installation of github-actions). */
  readonly tokens: Map<string, TokenIdentity>;
  /** Pull requests GET /repos/{owner}/{repo}/pulls/{number} answers, with their head commit. */
  readonly pulls: Map<number, { headSha: string; headRepo: string }>;
  close(): Promise<void>;
}

/**
 * A local stand-in for the part of the GitHub REST API the action uses (issue comments), for the
 * real Octokit to talk to through GITHUB_API_URL. It pages like GitHub, with Link headers.
 */
export async function startGitHubStandIn(): Promise<GitHubStandIn> {
  const comments: StoredComment[] = [];
  const requests: string[] = [];
  const tokens = new Map<string, TokenIdentity>([['test-token', { user: GITHUB_ACTIONS_BOT, installation: true }]]);
  const pulls = new Map<number, { headSha: string; headRepo: string }>();
  let nextId = 1000;
  let url = '';
  const state = { forbidWrites: false };

  const send = (
    response: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void => {
    const text = JSON.stringify(body);
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    response.end(text);
  };
  const readBody = (request: IncomingMessage): Promise<{ body?: string }> =>
    new Promise((resolve) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () =>
        resolve(chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { body?: string }) : {}),
      );
    });

  const server = createServer((request, response) => {
    void (async () => {
      const parsed = new URL(request.url ?? '/', url);
      requests.push(`${request.method} ${parsed.pathname}`);
      const list = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/.exec(parsed.pathname);
      const one = /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(parsed.pathname);
      const pull = /^\/repos\/([^/]+\/[^/]+)\/pulls\/(\d+)$/.exec(parsed.pathname);
      const token = /^(?:token|bearer)\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
      const identity = token === undefined ? undefined : tokens.get(token);
      const forbidden = (): void =>
        send(response, 403, {
          message:
            identity?.installation === false
              ? 'Must have admin rights to Repository.'
              : 'Resource not accessible by integration',
          documentation_url: 'https://docs.github.com/rest/issues/comments',
        });
      if (!identity)
        return send(response, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
      if (parsed.pathname === '/user' && request.method === 'GET') {
        // An installation token (GITHUB_TOKEN) is no user: GitHub answers 403.
        if (identity.installation)
          return send(response, 403, {
            message: 'Resource not accessible by integration',
            documentation_url: 'https://docs.github.com/rest/users/users#get-the-authenticated-user',
          });
        send(response, 200, identity.user);
      } else if (pull && request.method === 'GET') {
        const found = pulls.get(Number(pull[2]));
        if (!found) return send(response, 404, { message: 'Not Found' });
        send(response, 200, {
          number: Number(pull[2]),
          state: 'open',
          head: { sha: found.headSha, repo: { full_name: found.headRepo } },
          base: { repo: { full_name: pull[1] } },
        });
      } else if (list && request.method === 'GET') {
        const issue = Number(list[1]);
        const perPage = Number(parsed.searchParams.get('per_page') ?? 30);
        const page = Number(parsed.searchParams.get('page') ?? 1);
        const mine = comments.filter((c) => c.issue === issue);
        const slice = mine.slice((page - 1) * perPage, page * perPage).map((c) => ({ ...c, user: c.user ?? PERSON }));
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
        const comment = { id: nextId++, issue: Number(list[1]), body, html_url: '', user: identity.user };
        comment.html_url = `https://github.example/pull/${comment.issue}#issuecomment-${comment.id}`;
        comments.push(comment);
        send(response, 201, comment);
      } else if (one && request.method === 'PATCH') {
        if (state.forbidWrites) return forbidden();
        const comment = comments.find((c) => c.id === Number(one[1]));
        if (!comment) return send(response, 404, { message: 'Not Found' });
        // Without admin rights on the repository, only a comment's author may edit it.
        if ((comment.user ?? PERSON).login !== identity.user.login) return forbidden();
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
    tokens,
    pulls,
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
