"""Use cases. Each takes ``(session, actor, ...)``, checks policy, changes the models,
records audit events, and never commits: the caller owns the transaction."""
