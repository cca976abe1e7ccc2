/** A comment on an issue or pull request, as the living comment needs it. */
export interface ThreadComment {
  id: number
  body: string
  /** The author's account type: "Bot" for github-actions[bot] and other apps. */
  authorType: string
  authorLogin: string
  url: string
}

/**
 * The GitHub calls the action makes. The pipeline receives it as a parameter; the real one loads
 * the GitHub client only on first use, so runs that never talk to GitHub do not pay for it.
 */
export interface GitHub {
  /** The user's permission ("read" … "admin"), or undefined when GitHub does not know them as a collaborator. */
  permission(user: string): Promise<string | undefined>
  /** The thread's comments, oldest first (bounded). */
  listComments(issueNumber: number): Promise<ThreadComment[]>
  createComment(issueNumber: number, body: string): Promise<ThreadComment>
  updateComment(commentId: number, body: string): Promise<void>
  /** The login the token acts as, when GitHub tells (a personal token); undefined for an app's token. */
  viewer(): Promise<string | undefined>
  /** Adds a reaction to the comment that triggered the run. */
  react(commentId: number, kind: 'issue_comment' | 'review_comment', content: 'eyes' | 'rocket'): Promise<void>
}

/** Pages of comments read at most when looking for the living comment. */
const MAX_COMMENT_PAGES = 10
const ROLES = new Set(['read', 'triage', 'write', 'maintain', 'admin'])

type Octokit = ReturnType<typeof import('@actions/github').getOctokit>

/** Error status of a failed GitHub request, when it has one. */
export function githubStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown }).status
  return typeof status === 'number' ? status : undefined
}

/** A GitHub client for `owner/repo` through @actions/github, created on the first call. */
export function createGitHub(token: string, apiUrl: string, repository: string): GitHub {
  const [owner = '', repo = ''] = repository.split('/')
  let octokit: Promise<Octokit> | undefined
  const client = (): Promise<Octokit> => {
    if (token === '') return Promise.reject(new Error("github-token is empty; pass a token (the default is the job's GITHUB_TOKEN)"))
    octokit ??= import('@actions/github').then(({ getOctokit }) => getOctokit(token, { baseUrl: apiUrl }))
    return octokit
  }
  const toComment = (comment: { id: number; body?: string | null; user?: { type?: string; login?: string } | null; html_url: string }): ThreadComment => ({
    id: comment.id,
    body: comment.body ?? '',
    authorType: comment.user?.type ?? '',
    authorLogin: comment.user?.login ?? '',
    url: comment.html_url
  })

  return {
    async permission(user) {
      try {
        const { data } = await (await client()).rest.repos.getCollaboratorPermissionLevel({ owner, repo, username: user })
        // role_name tells triage and maintain apart; custom roles fall back to the base permission.
        const role = (data as { role_name?: string }).role_name
        return role !== undefined && ROLES.has(role) ? role : data.permission
      } catch (error) {
        if (githubStatus(error) === 404) return undefined
        throw new Error(
          `Could not check ${user}'s permission on ${repository} (${describe(error)}). The github-token needs read access to the repository's collaborators; the default GITHUB_TOKEN has it.`,
          {
            cause: error
          }
        )
      }
    },

    async listComments(issueNumber) {
      const comments: ThreadComment[] = []
      const pages = (await client()).paginate.iterator((await client()).rest.issues.listComments, { owner, repo, issue_number: issueNumber, per_page: 100 })
      let page = 0
      for await (const response of pages) {
        comments.push(...response.data.map(toComment))
        if (++page >= MAX_COMMENT_PAGES) break
      }
      return comments
    },

    async createComment(issueNumber, body) {
      const { data } = await (await client()).rest.issues.createComment({ owner, repo, issue_number: issueNumber, body })
      return toComment(data)
    },

    async updateComment(commentId, body) {
      await (await client()).rest.issues.updateComment({ owner, repo, comment_id: commentId, body })
    },

    async viewer() {
      try {
        return (await (await client()).rest.users.getAuthenticated()).data.login
      } catch {
        // An installation token (GITHUB_TOKEN) cannot ask who it is.
        return undefined
      }
    },

    async react(commentId, kind, content) {
      const rest = (await client()).rest.reactions
      if (kind === 'review_comment') await rest.createForPullRequestReviewComment({ owner, repo, comment_id: commentId, content })
      else await rest.createForIssueComment({ owner, repo, comment_id: commentId, content })
    }
  }
}

function describe(error: unknown): string {
  const status = githubStatus(error)
  const message = error instanceof Error ? error.message : String(error)
  return status !== undefined ? `HTTP ${status}: ${message}` : message
}
