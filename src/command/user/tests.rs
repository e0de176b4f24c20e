//! The user file semantics, checked without a database: CSV text → parse → plan against a
//! hand-made snapshot → effects and ops.

use std::collections::{BTreeSet, HashMap};

use encoding_rs::WINDOWS_1252;

use super::*;
use crate::{
    command::refs::UserIdentifier,
    error::{FileError, LineProblem},
    input::{DelimiterSetting, EncodingSetting, ReadSettings, read_table},
    outcome::LineStatus,
};

fn settings() -> UserSettings {
    UserSettings {
        // The cheapest cost keeps the tests fast; the hash's format is the same.
        password_cost: 4,
        ..UserSettings::default()
    }
}

fn account(id: i64, username: &str, idnumber: &str, email: &str) -> Account {
    let mut fields: [String; 15] = Default::default();
    fields[UserField::Username as usize] = username.into();
    fields[UserField::Idnumber as usize] = idnumber.into();
    fields[UserField::Email as usize] = email.into();
    fields[UserField::Firstname as usize] = "Jean".into();
    fields[UserField::Lastname as usize] = "Dupont".into();
    fields[UserField::Auth as usize] = "manual".into();
    fields[UserField::Lang as usize] = "fr".into();
    Account {
        id,
        fields,
        password: String::new(),
        suspended: false,
        deleted: false,
        timemodified: 100,
    }
}

fn snapshot() -> Snapshot {
    let mut deleted = account(30, "old@example.com.1700000000", "", &deleted_email("gone"));
    deleted.deleted = true;
    Snapshot {
        site: SiteDefaults {
            lang: "fr".into(),
            country: Some("FR".into()),
            city: Some("Lyon".into()),
            auths: Some(BTreeSet::from([
                "manual".into(),
                "cas".into(),
                "nologin".into(),
            ])),
            ..SiteDefaults::default()
        },
        accounts: vec![
            account(2, "admin", "", "admin@example.com"),
            account(10, "jdupont", "E10", "jean.dupont@example.com"),
            account(11, "lmartin", "E11", "lea.martin@example.com"),
            account(12, "twin1", "TWIN", "twin@example.com"),
            account(13, "twin2", "TWIN", "twin@example.com"),
            deleted,
        ],
        fields: vec![
            ProfileField {
                id: 1,
                shortname: "usertype".into(),
                datatype: "text".into(),
                param1: None,
            },
            ProfileField {
                id: 2,
                shortname: "status".into(),
                datatype: "menu".into(),
                param1: Some("Apprenti\nStagiaire\n".into()),
            },
        ],
        data: HashMap::from([((10, 1), "student".into())]),
        category: None,
        max_category_sortorder: 1,
        max_field_sortorder: 0,
    }
}

fn run(csv: &str, snapshot: &Snapshot, settings: &UserSettings) -> Result<Plan, FileError> {
    let read = ReadSettings {
        encoding: EncodingSetting::Auto(WINDOWS_1252),
        delimiter: DelimiterSetting::Auto,
    };
    let table = read_table(csv.as_bytes(), &read).unwrap();
    let file = parse_file(&table, settings)?;
    plan(&file, snapshot, settings)
}

fn problem(plan: &Plan, index: usize) -> &LineProblem {
    &plan.outcome.lines[index]
        .result
        .as_ref()
        .unwrap_err()
        .problem
}

fn effects(plan: &Plan, index: usize) -> &[Effect] {
    plan.outcome.lines[index].result.as_ref().unwrap()
}

#[test]
fn a_new_account_gets_moodle_defaults_and_a_password_to_generate() {
    let plan = run(
        "username;firstname;lastname;idnumber;email\nJDurand;Jeanne;Durand;E20;jd@example.com\n",
        &snapshot(),
        &settings(),
    )
    .unwrap();
    let UserOp::Create { slot: 0, user } = &plan.ops[0] else {
        panic!("{:?}", plan.ops);
    };
    assert_eq!(user.fields[UserField::Username as usize], "jdurand");
    assert_eq!(user.fields[UserField::Auth as usize], "manual");
    assert_eq!(user.fields[UserField::Lang as usize], "fr");
    assert_eq!(user.fields[UserField::Country as usize], "FR");
    assert_eq!(user.fields[UserField::City as usize], "Lyon");
    assert_eq!(user.password, TO_BE_GENERATED);
    assert_eq!(user.timezone, "99");
    assert_eq!(
        plan.ops[1],
        UserOp::SetPreference {
            user: UserRef::New(0),
            name: "create_password",
            value: "1".into()
        }
    );
    assert!(matches!(
        effects(&plan, 0),
        [Effect::UserCreated {
            password: PasswordSet::ToBeGenerated,
            has_email: true,
            ..
        }]
    ));
}

/// The hashes of the accounts a plan creates, in order.
fn created_passwords(plan: &Plan) -> Vec<&str> {
    plan.ops
        .iter()
        .filter_map(|op| match op {
            UserOp::Create { user, .. } => Some(user.password.as_str()),
            _ => None,
        })
        .collect()
}

/// Whether `hash` has the exact shape of Moodle 4.3's `hash_internal_user_password`:
/// `$6$rounds=10000$`, 16 salt characters, `$`, 86 hash characters, all of crypt's alphabet.
fn moodle_sha512_shape(hash: &str) -> bool {
    let crypt = |text: &str| {
        text.bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'.' || byte == b'/')
    };
    let Some(rest) = hash.strip_prefix("$6$rounds=10000$") else {
        return false;
    };
    match rest.split_once('$') {
        Some((salt, digest)) => {
            salt.len() == 16 && digest.len() == 86 && crypt(salt) && crypt(digest)
        }
        None => false,
    }
}

#[test]
fn a_given_password_is_hashed_and_external_methods_store_none() {
    let plan = run(
        "username;firstname;lastname;idnumber;auth;password\n\
         a1;A;One;A1;manual;S3cret!\n\
         a2;A;Two;A2;cas;S3cret!\n\
         a3;A;Three;A3;manaul;\n",
        &snapshot(),
        &settings(),
    )
    .unwrap();
    let passwords = created_passwords(&plan);
    assert_eq!(passwords.len(), 2);
    // The snapshot's site has no version: a current Moodle, SHA-512 crypt.
    assert!(moodle_sha512_shape(passwords[0]), "{}", passwords[0]);
    assert!(verify("S3cret!", passwords[0]));
    assert!(!verify("S3cret?", passwords[0]));
    assert_eq!(passwords[1], NOT_CACHED);
    assert!(
        matches!(problem(&plan, 2).of_kind(), Some(Problem::UnknownAuth { value, .. }) if value == "manaul")
    );
    // The password never shows in what the plan reports.
    assert!(!format!("{:?}", plan.outcome).contains("S3cret!"));
}

#[test]
fn the_hash_follows_the_site_version() {
    assert_eq!(
        PasswordFormat::for_version(Some(MOODLE_4_3), 4),
        PasswordFormat::Sha512Crypt
    );
    assert_eq!(
        PasswordFormat::for_version(Some(2_025_100_600), 4),
        PasswordFormat::Sha512Crypt
    );
    assert_eq!(
        PasswordFormat::for_version(None, 4),
        PasswordFormat::Sha512Crypt
    );
    // Moodle 4.2 (2023042400) and 4.1 still write bcrypt.
    assert_eq!(
        PasswordFormat::for_version(Some(2_023_042_400), 4),
        PasswordFormat::Bcrypt { cost: 4 }
    );
    assert_eq!(
        PasswordFormat::for_version(Some(MOODLE_4_3 - 1), 10),
        PasswordFormat::Bcrypt { cost: 10 }
    );

    let csv = "username;firstname;lastname;idnumber;password\na1;A;One;A1;S3cret!\n";
    let mut old = snapshot();
    old.site.version = Some(2_022_112_800);
    let plan = run(csv, &old, &settings()).unwrap();
    let hash = created_passwords(&plan)[0];
    assert!(hash.starts_with("$2y$04$") && hash.len() == 60, "{hash}");
    assert!(verify("S3cret!", hash));
    assert!(bcrypt::verify("S3cret!", hash).unwrap());

    let mut current = snapshot();
    current.site.version = Some(2_025_100_600);
    let plan = run(csv, &current, &settings()).unwrap();
    let hash = created_passwords(&plan)[0];
    assert!(moodle_sha512_shape(hash), "{hash}");
    // Two hashes of one password differ by their salt.
    let again = run(csv, &current, &settings()).unwrap();
    assert_ne!(created_passwords(&again)[0], hash);
    // A hash written by the C library's crypt(3), as PHP's crypt() writes it, verifies.
    let written_by_crypt = "$6$rounds=10000$abcdefghijklmnop$Xbh7YkzFbkamYEoqDruy8J4JFpCA290OPbBXNe.\
                            EKv6X8e0bFYy5fBH/wG2bo7H2PrlbnHn2PTUmORajT6YNj.";
    assert!(verify("S3cret!", written_by_crypt));
    assert!(!verify("S3cret", written_by_crypt));
    assert!(!verify("S3cret!", NOT_CACHED));
}

#[test]
fn a_password_too_long_for_the_format_fails_its_line() {
    let csv = |password: &str| {
        format!("username;firstname;lastname;idnumber;password\na1;A;One;A1;{password}\n")
    };
    // Moodle 4.3 and later take 128 bytes; bcrypt reads 72 and the 72nd would be lost.
    let plan = run(&csv(&"x".repeat(128)), &snapshot(), &settings()).unwrap();
    assert!(moodle_sha512_shape(created_passwords(&plan)[0]));
    let plan = run(&csv(&"x".repeat(129)), &snapshot(), &settings()).unwrap();
    assert_eq!(
        problem(&plan, 0),
        &LineProblem::from(Problem::PasswordTooLong {
            bytes: 129,
            max: 128
        })
    );
    assert!(plan.ops.is_empty());
    let mut old = snapshot();
    old.site.version = Some(2_022_112_800);
    let plan = run(&csv(&"x".repeat(72)), &old, &settings()).unwrap();
    assert_eq!(
        problem(&plan, 0),
        &Problem::PasswordTooLong { bytes: 72, max: 71 }.into()
    );
}

#[test]
fn a_manual_account_given_a_password_is_stamped() {
    let plan = run(
        "username;firstname;lastname;idnumber;auth;password\n\
         a1;A;One;A1;manual;S3cret!\n\
         a2;A;Two;A2;nologin;S3cret!\n\
         a3;A;Three;A3;manual;\n",
        &snapshot(),
        &settings(),
    )
    .unwrap();
    let stamped: Vec<&UserOp> = plan
        .ops
        .iter()
        .filter(|op| matches!(op, UserOp::StampPreference { .. }))
        .collect();
    // Only the manual account given a password: not nologin's, not one left to generate.
    assert_eq!(
        stamped,
        [&UserOp::StampPreference {
            user: UserRef::New(0),
            name: PASSWORD_UPDATE_TIME
        }]
    );

    // An update that changes the password stamps it; the same password again does not.
    let mut site = snapshot();
    let hash = PasswordFormat::Sha512Crypt.hash("Old!pass1").unwrap();
    site.accounts[1].password = hash;
    let settings = UserSettings {
        protected_fields: Vec::new(),
        ..settings()
    };
    let plan = run("idnumber;password\nE10;New!pass2\n", &site, &settings).unwrap();
    assert!(matches!(
        plan.ops.as_slice(),
        [
            UserOp::Update { user: UserRef::Existing(10), changes },
            UserOp::StampPreference { user: UserRef::Existing(10), name: PASSWORD_UPDATE_TIME },
        ] if changes.password.as_deref().is_some_and(|hash| verify("New!pass2", hash))
    ));
    let plan = run("idnumber;password\nE10;Old!pass1\n", &site, &settings).unwrap();
    assert!(plan.ops.is_empty(), "{:?}", plan.ops);
    assert_eq!(plan.outcome.lines[0].status(), LineStatus::Unchanged);
}

#[test]
fn creating_needs_a_username_and_names() {
    let plan = run("idnumber;firstname\nE99;Solo\n", &snapshot(), &settings()).unwrap();
    assert!(matches!(
        problem(&plan, 0).of_kind(),
        Some(Problem::MissingToCreate { missing }) if missing == "username and lastname"
    ));
    assert!(plan.ops.is_empty());
}

#[test]
fn an_update_changes_only_what_differs_and_keeps_protected_fields() {
    let plan = run(
        "idnumber;username;firstname;lastname;email;city\n\
         E10;jdupont;Jean;Dupont;other@example.com;Lyon\n\
         E11;lmartin;Jean;Dupont;lea.martin@example.com;\n",
        &snapshot(),
        &settings(),
    )
    .unwrap();
    assert_eq!(
        plan.ops,
        [UserOp::Update {
            user: UserRef::Existing(10),
            changes: UserChanges {
                fields: vec![(UserField::City, "Lyon".into())],
                ..UserChanges::default()
            }
        }]
    );
    assert!(matches!(
        effects(&plan, 0),
        [Effect::UserUpdated { protected, .. }] if protected == &["email"]
    ));
    // Line 2 changes nothing (firstname and lastname are the same), so it is unchanged and
    // writes nothing.
    assert_eq!(plan.ops.len(), 1);
    assert_eq!(plan.outcome.lines[1].status(), LineStatus::Unchanged);
}

#[test]
fn a_profile_value_alone_is_an_update() {
    let plan = run(
        "idnumber;profile_field_usertype;profile_field_status\nE10;teacher;Apprenti\nE11;;Salarié\n",
        &snapshot(),
        &settings(),
    )
    .unwrap();
    assert_eq!(
        plan.ops,
        [
            UserOp::Update {
                user: UserRef::Existing(10),
                changes: UserChanges::default(),
            },
            UserOp::SetProfile {
                user: UserRef::Existing(10),
                field: FieldRef::Existing(1),
                data: "teacher".into(),
                dataformat: 0,
                exists: true,
            },
            UserOp::SetProfile {
                user: UserRef::Existing(10),
                field: FieldRef::Existing(2),
                data: "Apprenti".into(),
                dataformat: 0,
                exists: false,
            },
        ]
    );
    assert!(matches!(
        problem(&plan, 1).of_kind(),
        Some(Problem::NotAnOption { value, .. }) if value == "Salarié"
    ));
}

#[test]
fn a_missing_profile_field_rejects_the_file_unless_created() {
    let csv = "username;profile_field_netypareo_cursus\njdupont;BTS\n";
    let error = run(csv, &snapshot(), &settings()).unwrap_err();
    assert!(error.to_string().contains("netypareo_cursus"), "{error}");
    let create = UserSettings {
        create_profile_fields: true,
        identifier: UserIdentifier::Username,
        ..settings()
    };
    let plan = run(csv, &snapshot(), &create).unwrap();
    assert_eq!(
        plan.ops[..2],
        [
            UserOp::CreateCategory {
                name: "Other fields".into(),
                sortorder: 2
            },
            UserOp::CreateField {
                slot: 0,
                field: NewField {
                    shortname: "netypareo_cursus".into(),
                    categoryid: None,
                    sortorder: 1
                }
            }
        ]
    );
    assert!(matches!(
        plan.ops.last(),
        Some(UserOp::SetProfile { field: FieldRef::New(0), data, .. }) if data == "BTS"
    ));
    assert_eq!(plan.outcome.totals().counts.profile_fields_created, 1);
}

#[test]
fn two_accounts_with_one_idnumber_are_ambiguous_and_taken_values_collide() {
    let plan = run(
        "idnumber;username;firstname;lastname\nTWIN;twin1;T;One\nE10;lmartin;J;D\nE11;;Jean;Dupont\n\
         E99;jdupont;New;Person\n",
        &snapshot(),
        &settings(),
    )
    .unwrap();
    assert!(
        matches!(problem(&plan, 0), LineProblem::AmbiguousUser { ids, .. } if ids == &[12, 13])
    );
    assert!(matches!(
        problem(&plan, 1).of_kind(),
        Some(Problem::UserConflict { .. })
    ));
    // An idnumber that matches nobody, with a username held by another account.
    assert!(matches!(
        problem(&plan, 3).of_kind(),
        Some(Problem::UsernameTaken { .. })
    ));
    assert_eq!(plan.outcome.lines[2].status(), LineStatus::Unchanged);
}

#[test]
fn suspend_and_unsuspend_flip_only_the_flag() {
    let plan = run(
        "cmd;username;firstname\nsuspend;jdupont;Other\nsuspend;jdupont;\nunsuspend;jdupont;\nsuspend;admin;\n",
        &snapshot(),
        &UserSettings {
            identifier: UserIdentifier::Username,
            ..settings()
        },
    )
    .unwrap();
    let flags: Vec<_> = plan
        .ops
        .iter()
        .map(|op| match op {
            UserOp::Update { changes, .. } => (changes.fields.len(), changes.suspended),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(flags, [(0, Some(true)), (0, Some(false))]);
    assert!(matches!(
        effects(&plan, 1),
        [Effect::AlreadySuspended { .. }]
    ));
    assert!(matches!(
        problem(&plan, 3).of_kind(),
        Some(Problem::ProtectedAccount { .. })
    ));
}

#[test]
fn deleted_acts_only_on_a_true_value_and_del_is_idempotent() {
    let settings = UserSettings {
        identifier: UserIdentifier::Username,
        ..settings()
    };
    let plan = run(
        "username;deleted\njdupont;0\nlmartin;1\nlmartin;yes\ngone;1\nnobody;1\n",
        &snapshot(),
        &settings,
    )
    .unwrap();
    assert!(matches!(effects(&plan, 0), [Effect::UserUnchanged { .. }]));
    assert_eq!(
        plan.ops,
        [UserOp::Delete {
            user: UserRef::Existing(11),
            username: "lmartin".into(),
            email: "lea.martin@example.com".into()
        }]
    );
    // The second line finds the account deleted by the first, through its username's MD5.
    assert!(matches!(effects(&plan, 2), [Effect::AlreadyDeleted { .. }]));
    assert!(matches!(effects(&plan, 3), [Effect::AlreadyDeleted { .. }]));
    assert!(matches!(problem(&plan, 4), LineProblem::UnknownUser { .. }));
}

#[test]
fn a_deleted_account_is_revived_only_when_allowed() {
    let csv = "username;firstname;lastname;idnumber;email\ngone;Back;Again;E30;gone@example.com\n";
    let plan = run(csv, &snapshot(), &settings()).unwrap();
    assert!(matches!(plan.ops[0], UserOp::Create { .. }));
    assert!(matches!(
        effects(&plan, 0),
        [Effect::UserCreated { .. }, Effect::DeletedAccountLeft { user }] if user.id == Some(30)
    ));
    let revive = UserSettings {
        revive_deleted: true,
        ..settings()
    };
    let plan = run(csv, &snapshot(), &revive).unwrap();
    let UserOp::Update {
        user: UserRef::Existing(30),
        changes,
    } = &plan.ops[0]
    else {
        panic!("{:?}", plan.ops);
    };
    assert!(changes.revive);
    assert!(
        changes
            .fields
            .contains(&(UserField::Email, "gone@example.com".into()))
    );
    assert!(
        changes
            .fields
            .contains(&(UserField::Username, "gone".into()))
    );
}

#[test]
fn oldusername_renames_and_a_replay_is_unchanged() {
    let settings = UserSettings {
        identifier: UserIdentifier::Username,
        ..settings()
    };
    let snapshot = snapshot();
    let plan = run(
        "username;oldusername\njean.dupont;jdupont\njean.dupont;jdupont\nx;nobody\n",
        &snapshot,
        &settings,
    )
    .unwrap();
    assert_eq!(
        plan.ops,
        [UserOp::Update {
            user: UserRef::Existing(10),
            changes: UserChanges {
                fields: vec![(UserField::Username, "jean.dupont".into())],
                ..UserChanges::default()
            }
        }]
    );
    assert_eq!(plan.outcome.lines[1].status(), LineStatus::Unchanged);
    assert!(matches!(
        problem(&plan, 2).of_kind(),
        Some(Problem::NothingToRename { .. })
    ));
}

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

#[test]
fn moodle_rewrites_deleted_usernames_to_fit() {
    assert_eq!(
        deleted_username("jdupont", "Jean.Dupont@Example.com", 10, 1_790_000_000),
        "jean.dupont@example.com.1790000000"
    );
    assert_eq!(
        deleted_username("jdupont", "", 10, 1_790_000_000),
        "jdupont.10@unknownemail.invalid.1790000000"
    );
    let long = format!("{}@example.com", "a".repeat(120));
    assert_eq!(deleted_username("x", &long, 1, 1_790_000_000).len(), 100);
    assert_eq!(deleted_email("jdupont"), "99824d874283693d1d5433bcd8ff5e0e");
}

/// The password stored by the plan's update of account `id`, if it changes it.
fn updated_password(plan: &Plan, id: i64) -> Option<&str> {
    plan.ops.iter().find_map(|op| match op {
        UserOp::Update {
            user: UserRef::Existing(user),
            changes,
        } if *user == id => changes.password.as_deref(),
        _ => None,
    })
}

#[test]
fn passwords_done_ahead_give_the_plan_done_inline() {
    let unprotected = UserSettings {
        protected_fields: Vec::new(),
        ..settings()
    };
    let mut snapshot = snapshot();
    let stored = PasswordFormat::Sha512Crypt.hash("Old-1").unwrap();
    snapshot.accounts[1].password = stored.clone();
    let read = ReadSettings {
        encoding: EncodingSetting::Auto(WINDOWS_1252),
        delimiter: DelimiterSetting::Auto,
    };
    let csv = "username;firstname;lastname;idnumber;password\n\
               a1;A;One;A1;S3cret!\n\
               jdupont;Jean;Dupont;E10;Old-1\n";
    let file = parse_file(&read_table(csv.as_bytes(), &read).unwrap(), &unprotected).unwrap();

    let work = password_work(&file, &snapshot, &unprotected);
    assert!(!work.is_empty());
    let (ahead, _) = plan_with(&file, &snapshot, &unprotected, work.done(2)).unwrap();
    let inline = plan(&file, &snapshot, &unprotected).unwrap();
    // The same effects, line by line; the new account's hash is of its password.
    assert_eq!(
        format!("{:?}", ahead.outcome.lines),
        format!("{:?}", inline.outcome.lines)
    );
    assert!(verify("S3cret!", created_passwords(&ahead)[0]));
    assert!(
        matches!(effects(&ahead, 1), [Effect::UserUnchanged { .. }]),
        "{:?}",
        effects(&ahead, 1)
    );
    assert_eq!(updated_password(&ahead, 10), None);

    // The account's password changed between the reading ahead and the locked plan: the
    // check done ahead is not trusted, and the line stores the file's password again.
    let mut changed = snapshot.clone();
    changed.accounts[1].password = PasswordFormat::Sha512Crypt.hash("Other-2").unwrap();
    let work = password_work(&file, &snapshot, &unprotected);
    let (late, _) = plan_with(&file, &changed, &unprotected, work.done(1)).unwrap();
    let new = updated_password(&late, 10).expect("the password is stored again");
    assert!(verify("Old-1", new));
    assert!(verify("S3cret!", created_passwords(&late)[0]));
}

#[test]
fn a_file_without_passwords_asks_for_no_work() {
    let read = ReadSettings {
        encoding: EncodingSetting::Auto(WINDOWS_1252),
        delimiter: DelimiterSetting::Auto,
    };
    let csv = "username;firstname;lastname;idnumber\na1;A;One;A1\n";
    let file = parse_file(&read_table(csv.as_bytes(), &read).unwrap(), &settings()).unwrap();
    assert!(password_work(&file, &snapshot(), &settings()).is_empty());
}
