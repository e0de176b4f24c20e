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

/// The password work of one file, done when asked ([`Passwords::inline`]), gathered without
/// being done ([`Passwords::recording`]), or taken from what was done ahead
/// ([`PasswordWork::done`]): the pipeline plans a file once without hashing, hashes what that
/// plan asked for on every core, then plans it under the lock with the answers ready.
#[derive(Debug, Default)]
pub struct Passwords {
    mode: Mode,
}

#[derive(Debug, Default)]
enum Mode {
    /// Hash and check when asked.
    #[default]
    Inline,
    /// Note what is asked, by line; answer with placeholders.
    Recording(Vec<Request>),
    /// Answer from what was done ahead; anything else (the database changed since) inline.
    Ready(std::collections::HashMap<usize, Answer>),
}

/// What planning one line asked.
#[derive(Debug, Clone)]
struct Request {
    line: usize,
    password: String,
    /// A fresh hash in this format.
    hash: Option<PasswordFormat>,
    /// A check against this stored hash.
    check: Option<String>,
}

/// What was done ahead for one line.
#[derive(Debug, Clone, Default)]
struct Answer {
    hash: Option<(PasswordFormat, String)>,
    check: Option<(String, bool)>,
}

/// The requests a recording plan gathered, to be done off the lock.
#[derive(Debug, Default)]
pub struct PasswordWork {
    requests: Vec<Request>,
}

impl Passwords {
    /// Hashes and checks when asked.
    pub fn inline() -> Passwords {
        Passwords::default()
    }

    /// Notes what is asked without doing it.
    pub fn recording() -> Passwords {
        Passwords {
            mode: Mode::Recording(Vec::new()),
        }
    }

    /// The requests gathered while recording (none in another mode).
    pub fn into_work(self) -> PasswordWork {
        match self.mode {
            Mode::Recording(requests) => PasswordWork { requests },
            _ => PasswordWork::default(),
        }
    }

    /// The hash of `password` for `line` (at most [`PasswordFormat::max_bytes`], checked by
    /// the caller).
    pub(crate) fn hash(
        &mut self,
        line: usize,
        format: PasswordFormat,
        password: &str,
    ) -> Option<String> {
        match &mut self.mode {
            Mode::Inline => format.hash(password),
            Mode::Recording(requests) => {
                request(requests, line, password).hash = Some(format);
                (password.len() <= format.max_bytes()).then(String::new)
            }
            Mode::Ready(answers) => match answers.get_mut(&line).and_then(|a| a.hash.take()) {
                Some((done, hash)) if done == format => Some(hash),
                _ => format.hash(password),
            },
        }
    }

    /// Whether `password` is the one `stored` hashes, for `line`.
    pub(crate) fn verify(&mut self, line: usize, password: &str, stored: &str) -> bool {
        match &mut self.mode {
            Mode::Inline => verify(password, stored),
            Mode::Recording(requests) => {
                request(requests, line, password).check = Some(stored.to_owned());
                false
            }
            Mode::Ready(answers) => match answers.get(&line).and_then(|a| a.check.as_ref()) {
                Some((checked, matches)) if checked == stored => *matches,
                _ => verify(password, stored),
            },
        }
    }
}

/// The request of `line`, made if it is the first.
fn request<'a>(requests: &'a mut Vec<Request>, line: usize, password: &str) -> &'a mut Request {
    if requests.last().is_none_or(|last| last.line != line) {
        requests.push(Request {
            line,
            password: password.to_owned(),
            hash: None,
            check: None,
        });
    }
    requests.last_mut().expect("pushed")
}

impl PasswordWork {
    /// Whether nothing was asked.
    pub fn is_empty(&self) -> bool {
        self.requests.is_empty()
    }

    /// Does the work on `threads` threads (blocking: call it off the async runtime): a check
    /// first, and a hash only when the check fails or there was none, as the plan asks.
    pub fn done(self, threads: usize) -> Passwords {
        let threads = threads.clamp(1, self.requests.len().max(1));
        let chunk = self.requests.len().div_ceil(threads).max(1);
        let answers = std::thread::scope(|scope| {
            let workers: Vec<_> = self
                .requests
                .chunks(chunk)
                .map(|requests| {
                    scope.spawn(move || requests.iter().map(answer).collect::<Vec<_>>())
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|worker| worker.join().expect("a hashing thread panicked"))
                .collect()
        });
        Passwords {
            mode: Mode::Ready(answers),
        }
    }
}

fn answer(request: &Request) -> (usize, Answer) {
    let check = request
        .check
        .as_ref()
        .map(|stored| (stored.clone(), verify(&request.password, stored)));
    let matched = check.as_ref().is_some_and(|(_, matches)| *matches);
    let hash = match request.hash {
        Some(format) if !matched => format.hash(&request.password).map(|hash| (format, hash)),
        _ => None,
    };
    (request.line, Answer { hash, check })
}
