//! What a user file's values and header must be: values checked and normalised as they are
//! parsed, unknown columns refused.

use super::support::{run, settings, snapshot};
use crate::{
    command::{
        refs::UserIdentifier,
        user::{UserField, UserOp, UserSettings},
    },
    error::FileError,
};

#[test]
fn values_are_checked_and_normalised_when_parsed() {
    let plan = run(
        "username;firstname;lastname;country;lang;email;suspended\n\
         Ok.User;A;B;fr;FR_utf8;a@b.fr;oui\n\
         bad;A;B;France;;;\n\
         bad;A;B;;;not-an-email;\n\
         bad;A;B;;;;peut-être\n\
         élève;A;B;;;;\n",
        &snapshot(),
        &UserSettings {
            identifier: UserIdentifier::Username,
            ..settings()
        },
    )
    .unwrap();
    let UserOp::Create { user, .. } = &plan.ops[0] else {
        panic!("{:?}", plan.ops);
    };
    assert_eq!(user.fields[UserField::Username as usize], "ok.user");
    assert_eq!(user.fields[UserField::Country as usize], "FR");
    assert_eq!(user.fields[UserField::Lang as usize], "fr");
    assert!(user.suspended);
    let columns: Vec<_> = (1..5)
        .map(|index| {
            plan.outcome.lines[index]
                .result
                .as_ref()
                .unwrap_err()
                .column
                .clone()
        })
        .collect();
    assert_eq!(
        columns,
        [
            Some("country".into()),
            Some("email".into()),
            Some("suspended".into()),
            Some("username".into())
        ]
    );
}

#[test]
fn an_unknown_column_rejects_the_file_and_profile_columns_are_a_family() {
    let error = run("username;firstnam\njdupont;J\n", &snapshot(), &settings()).unwrap_err();
    assert!(
        error.to_string().contains("did you mean \"firstname\""),
        "{error}"
    );
    let error = run(
        "username;profile_field_usertype;PROFILE_FIELD_usertype\nj;a;b\n",
        &snapshot(),
        &settings(),
    )
    .unwrap_err();
    assert!(
        matches!(error, FileError::DuplicateColumn { .. }),
        "{error}"
    );
}
