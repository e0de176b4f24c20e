//! User command files (`users*.csv`, `userimport*.csv`): accounts and their custom profile
//! fields, created, updated, suspended and deleted as Moodle does. `line` parses records,
//! `plan` decides their effects against a snapshot of the database and lists the writes (its
//! planner in `planner`, with `accounts`, `profile`, `create` and `change`), `password` hashes
//! passwords as the site's Moodle version does, `effect` words and counts what lines did,
//! `settings` reads `[users]`, `store` reads the snapshot and makes the writes (each op's in
//! `write`, an account's deletion in `deletion`), `kind` is what makes user files a kind.

mod accounts;
mod change;
mod create;
mod effect;
mod kind;
mod line;
mod password;
mod plan;
mod planner;
mod problem;
mod profile;
mod settings;
mod store;

pub use effect::{Counts, Effect, PasswordSet};
pub use kind::Users;
pub use line::{
    Column, PROFILE_PREFIX, ParsedFile, ParsedLine, Secret, UserCmd, UserField, UserHeader,
    UserLine, UserSettings, column_specs, parse_file,
};
pub use password::{MOODLE_4_3, PasswordFormat, PasswordWork, Passwords, SHA512_ROUNDS, verify};
pub use plan::{
    Account, CategoryRow, FieldRef, NOT_CACHED, NewField, NewUser, PASSWORD_UPDATE_TIME, Plan,
    ProfileField, SiteDefaults, Snapshot, TO_BE_GENERATED, UserChanges, UserOp, UserRef, Wanted,
    deleted_email, deleted_username, deleted_username_prefix, password_work, plan, plan_with,
};
pub use problem::Problem;
pub use settings::UsersSection;

#[cfg(test)]
mod tests;
