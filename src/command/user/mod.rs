//! User command files (`users*.csv`, `userimport*.csv`): accounts and their custom profile
//! fields, created, updated, suspended and deleted as Moodle does. `line` parses records,
//! `plan` decides their effects against a snapshot of the database and lists the writes.

mod line;
mod plan;

pub use line::{
    Column, PROFILE_PREFIX, ParsedFile, ParsedLine, Secret, UserCmd, UserField, UserLine,
    UserSettings, column_specs, parse_file,
};
pub use plan::{
    Account, CategoryRow, FieldRef, NOT_CACHED, NewField, NewUser, Plan, ProfileField,
    SiteDefaults, Snapshot, TO_BE_GENERATED, UserChanges, UserOp, UserRef, Wanted, deleted_email,
    deleted_username, plan,
};

#[cfg(test)]
mod tests;
