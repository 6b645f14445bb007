// The ids the cleanup works with: the one definition of each pattern, for config validation, for what the
// API returns, and for request paths (docs/safety.md).

/** A task id: real ones are 32 hex characters; UUIDs with dashes pass as well. */
export const TASK_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
/** An instance id. */
export const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** An IAM project id. */
export const PROJECT_ID = /^[0-9a-fA-F]{32}$/;
/** An account name (the key of a credentials file's or secret's `accounts`). */
export const ACCOUNT_NAME = /^[a-z][a-z0-9-]{0,31}$/;
