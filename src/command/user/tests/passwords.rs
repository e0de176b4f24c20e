//! Passwords: hashed as the site's Moodle version does, refused when too long, stamped for
//! manual accounts, and the same plan whether hashed ahead of the lock or inline.

use encoding_rs::WINDOWS_1252;

use super::support::{effects, problem, run, settings, snapshot};
use crate::{
    command::user::{
        Effect, MOODLE_4_3, NOT_CACHED, PASSWORD_UPDATE_TIME, PasswordFormat, Plan, Problem,
        UserOp, UserRef, UserSettings, parse_file, password_work, plan, plan_with, verify,
    },
    error::LineProblem,
    input::{DelimiterSetting, EncodingSetting, ReadSettings, read_table},
    outcome::LineStatus,
};

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
