//! How a given password is stored in `user.password`: the hash format Moodle itself writes for
//! the site's version (SHA-512 crypt from Moodle 4.3, bcrypt before), the hashing, and the check
//! of a password against any stored hash. Pure but for the random salt.

use sha_crypt::{Algorithm, Params, PasswordHasher, PasswordVerifier, ShaCrypt};

/// Moodle 4.3's `$CFG->version` (2023100900): from it on, `hash_internal_user_password` writes
/// SHA-512 crypt.
pub const MOODLE_4_3: i64 = 2_023_100_900;
/// The rounds of Moodle's SHA-512 crypt hashes (`hash_internal_user_password` without
/// `$fasthash`).
pub const SHA512_ROUNDS: u32 = 10_000;
/// Moodle's `MAX_PASSWORD_CHARACTERS` (4.3 and later): a longer password is refused, in bytes.
const SHA512_MAX_BYTES: usize = 128;
/// bcrypt reads at most 72 bytes; Moodle's `password_hash()` would cut a longer one silently.
const BCRYPT_MAX_BYTES: usize = 71;
/// Random bytes of a salt: 12 bytes are the 16 salt characters Moodle writes.
const SALT_BYTES: usize = 12;

/// The hash format of a site's passwords.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordFormat {
    /// `$6$rounds=10000$<16-character salt>$<86 characters>`: Moodle 4.3 and later.
    Sha512Crypt,
    /// `$2y$<cost>$…`, PHP's `password_hash()` default: Moodle before 4.3.
    Bcrypt {
        /// bcrypt's cost (`[users] password_cost`).
        cost: u32,
    },
}

impl PasswordFormat {
    /// The format Moodle writes at `version` (`$CFG->version`; `None` when the site's config
    /// has none, read as a current Moodle).
    pub fn for_version(version: Option<i64>, bcrypt_cost: u32) -> PasswordFormat {
        match version {
            Some(version) if version < MOODLE_4_3 => PasswordFormat::Bcrypt { cost: bcrypt_cost },
            _ => PasswordFormat::Sha512Crypt,
        }
    }

    /// The longest password, in bytes, this format stores as given.
    pub fn max_bytes(self) -> usize {
        match self {
            PasswordFormat::Sha512Crypt => SHA512_MAX_BYTES,
            PasswordFormat::Bcrypt { .. } => BCRYPT_MAX_BYTES,
        }
    }

    /// The hash of `password`, with a fresh random salt; `None` when it is longer than
    /// [`Self::max_bytes`].
    pub fn hash(self, password: &str) -> Option<String> {
        if password.len() > self.max_bytes() {
            return None;
        }
        match self {
            PasswordFormat::Sha512Crypt => {
                let mut salt = [0u8; SALT_BYTES];
                getrandom::fill(&mut salt).expect("the system's random source");
                let params = Params::new(SHA512_ROUNDS).expect("valid rounds");
                ShaCrypt::new(Algorithm::Sha512Crypt, params)
                    .hash_password_with_salt(password.as_bytes(), &salt)
                    .ok()
                    .map(|hash| hash.to_string())
            }
            PasswordFormat::Bcrypt { cost } => {
                bcrypt::non_truncating_hash_with_result(password, cost)
                    .ok()
                    .map(|parts| parts.format_for_version(bcrypt::Version::TwoY))
            }
        }
    }
}

/// Whether `stored` (a SHA-512 crypt or bcrypt hash) is the hash of `password`, as PHP's
/// `password_verify()` tells. Anything else (a marker such as `not cached`, an old MD5 hash)
/// matches no password.
pub fn verify(password: &str, stored: &str) -> bool {
    if stored.starts_with("$6$") {
        return ShaCrypt::default()
            .verify_password(password.as_bytes(), stored)
            .is_ok();
    }
    if stored.starts_with("$2") {
        return bcrypt::verify(password, stored).unwrap_or(false);
    }
    false
}
