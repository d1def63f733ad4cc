"""``cloudwarden tickets sync``: tickets in GitHub, Jira or a webhook that follow the findings.

The choices, in one place (each module's docstring has the detail):

- **Key.** One ticket per finding fingerprint (``--group-by finding``, the default) or per policy
  (``--group-by policy``, keyed by a fingerprint of the policy id, listing its resources). GitHub
  keeps the key in a hidden body marker ``<!-- cloudwarden:fingerprint=KEY cloudwarden:digest=HEX -->``
  (a label per fingerprint would flood the label list); Jira in a label ``cloudwarden-fp-KEY``
  (searchable by JQL); webhooks in a local state file. The digest (title + body) makes a run
  update a ticket only when its content changed.
- **Scope.** Every managed ticket has the label ``cloudwarden`` plus any ``--label``; a sync only
  reads, closes or reopens tickets carrying all of them, so estates sharing a tracker each pass
  their own label.
- **Reconciliation** (``sync.py``): open for a new key; nothing for an unchanged open ticket;
  update title/body when the content changed; for a closed ticket whose finding is back, reopen
  with one "regressed" comment; for an open ticket whose finding is gone, one comment and close
  (``--on-resolved close``) or one comment and the label ``cloudwarden-resolved``
  (``--on-resolved comment``, so the next run does not comment again). Running twice with the same
  findings writes nothing.
- **Suppressed findings** (``"suppressed": true``) are treated as resolved: no ticket, and an open
  one is closed (GitHub ``state_reason: not_planned``) with a comment saying it is suppressed.
  Findings below ``--min-severity`` likewise.
- **Bodies** (``body.py``): resource, evidence, attack path (the ``paths --format mermaid``
  renderer, in a ``mermaid`` block), remediation, compliance. Estate text is attacker-influenced:
  Markdown puts it in code spans or fences sized to it; Jira v3 gets Atlassian Document Format
  (plain text nodes), v2 wiki markup with escapes.
- **Jira** defaults to REST v3 (Cloud: ``POST /rest/api/3/search/jql`` with ``nextPageToken``, ADF
  descriptions); ``--jira-api 2`` targets Data Center/Server (``/rest/api/2/search`` with
  ``startAt``, wiki text). Close and reopen go through workflow transitions by status category.
- **Webhooks**: one signed JSON event per change (opened, updated, regressed, resolved); state
  in ``--state`` or the user data directory, rewritten after each delivered event.
- **Secrets** come only from the environment (``GITHUB_TOKEN``/``GH_TOKEN``, ``JIRA_*``,
  ``CLOUDWARDEN_WEBHOOK_SECRET``); the transport redacts them (and a webhook URL's path) from every
  error and log line, never follows a redirect to another host, and refuses plain http off loopback.
- **Rate limits and retries** (``transport.py``): GitHub's documented primary and secondary rules,
  Jira's 429 ``Retry-After``; writes to GitHub spaced 1 s apart; a create is never repeated blind.
  A failure stops the run (exit 2); the next run resumes from what the tracker holds.
"""
