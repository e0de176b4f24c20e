//! The fake's options, the server on a loopback port and its accept loop, one task per
//! connection, and what they share: the options, the requests answered, the count of those in
//! flight.

use std::{
    convert::Infallible,
    io,
    net::{Ipv4Addr, SocketAddr},
    path::PathBuf,
    sync::{
        Arc, Mutex, MutexGuard,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use hyper::{server::conn::http1, service::service_fn};
use hyper_util::rt::TokioIo;
use tokio::{net::TcpListener, task::JoinHandle};
use tokio_util::sync::CancellationToken;

use super::answer::answer;

/// The API root's path on the fake, as on a cloud instance: `{base_url}index.php/r/v1`.
pub const API_ROOT_PATH: &str = "/index.php/r/v1";

/// How the fake behaves. Change it between pulls with [`FakeServer::update`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeOptions {
    /// The fixture folder.
    pub data: PathBuf,
    /// The one token accepted in `X-Auth-Token`.
    pub token: String,
    /// Serve collections as JSON arrays instead of `{"0": rec, "1": rec, …}`.
    pub array_envelope: bool,
    /// Waited before every answer, whatever it is.
    pub latency: Duration,
    /// `(status, path)`: answer `status` (401 or 403, normally) on that endpoint to a request
    /// with the right token. Paths as in [`Failure::path`].
    pub denied: Vec<(u16, String)>,
    /// Gateway failures; the first one matching a request with `times > 0` answers it.
    pub failures: Vec<Failure>,
}

/// A gateway failure: the next `times` requests to `path` get `status` with an HTML body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// 502, 503 or 504, normally; any status is sent as given.
    pub status: u16,
    /// The endpoint path under the API root, such as `/utilisateur/apprenants` (the leading `/`
    /// and the API root prefix are optional). A `*` segment matches any one segment:
    /// `/formation-courte/*/*/groupes`.
    pub path: String,
    /// How many more requests fail. Counted down by the server: [`FakeServer::options`] shows
    /// what is left.
    pub times: u32,
}

/// One request the fake answered, in arrival order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The path under the API root, such as `/sites`; the whole path when it is outside it.
    pub path: String,
    /// The raw query string, `""` when there is none.
    pub query: String,
    /// Whether it carried the right token.
    pub token_ok: bool,
    /// The status it was answered with.
    pub status: u16,
}

/// A running fake on `127.0.0.1`. Dropping it stops the accept loop and every connection.
pub struct FakeServer {
    address: SocketAddr,
    shared: Arc<Shared>,
    /// Cancelled to stop the accept loop and the connection tasks.
    stop: CancellationToken,
    /// The accept loop; `None` once awaited by `shutdown`.
    accept_loop: Option<JoinHandle<()>>,
}

impl FakeOptions {
    /// Options serving `data` to `token`: object envelope, no latency, nothing denied or failing.
    pub fn new(data: impl Into<PathBuf>, token: impl Into<String>) -> FakeOptions {
        FakeOptions {
            data: data.into(),
            token: token.into(),
            array_envelope: false,
            latency: Duration::ZERO,
            denied: Vec::new(),
            failures: Vec::new(),
        }
    }
}

impl FakeServer {
    /// Starts a fake on a free loopback port.
    pub async fn start(options: FakeOptions) -> io::Result<FakeServer> {
        FakeServer::start_on(options, 0).await
    }

    /// Starts a fake on `127.0.0.1:port` (0: a free port). Fails when `options.data` is not a
    /// folder or the port is taken.
    pub async fn start_on(options: FakeOptions, port: u16) -> io::Result<FakeServer> {
        if !tokio::fs::metadata(&options.data).await?.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                format!("{} is not a folder", options.data.display()),
            ));
        }
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
        let address = listener.local_addr()?;
        let shared = Arc::new(Shared {
            options: Mutex::new(options),
            requests: Mutex::new(Vec::new()),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
        });
        let stop = CancellationToken::new();
        let accept_loop = tokio::spawn(accept_loop(listener, shared.clone(), stop.clone()));
        Ok(FakeServer {
            address,
            shared,
            stop,
            accept_loop: Some(accept_loop),
        })
    }

    /// The API root: `http://127.0.0.1:PORT/index.php/r/v1`.
    pub fn url(&self) -> String {
        format!("http://{}{API_ROOT_PATH}", self.address)
    }

    /// The instance's base URL, as configured for a real one: `http://127.0.0.1:PORT/`.
    pub fn base_url(&self) -> String {
        format!("http://{}/", self.address)
    }

    /// The socket address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Every request answered so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.shared.requests).clone()
    }

    /// Forgets the requests answered so far (not `max_in_flight`).
    pub fn clear_requests(&self) {
        lock(&self.shared.requests).clear();
    }

    /// The highest number of requests being answered at the same time so far, latency
    /// included: what a concurrency cap test looks at.
    pub fn max_in_flight(&self) -> usize {
        self.shared.max_in_flight.load(Ordering::SeqCst)
    }

    /// The current options, failure counts as counted down.
    pub fn options(&self) -> FakeOptions {
        lock(&self.shared.options).clone()
    }

    /// Replaces the options; requests already waiting out their latency see the new ones.
    pub fn set_options(&self, options: FakeOptions) {
        *lock(&self.shared.options) = options;
    }

    /// Changes the options in place: `server.update(|o| o.array_envelope = true)`.
    pub fn update(&self, change: impl FnOnce(&mut FakeOptions)) {
        change(&mut lock(&self.shared.options));
    }

    /// Stops accepting, closes every connection and waits for the accept loop to end.
    pub async fn shutdown(mut self) {
        self.stop.cancel();
        if let Some(accept_loop) = self.accept_loop.take() {
            // The loop ends on cancellation and never panics; a JoinError would only say so.
            let _ = accept_loop.await;
        }
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Runs a fake on `127.0.0.1:port` until Ctrl-C, for `moodle-sync netypareo fake-server`;
/// `started` is told where it listens once it does.
pub async fn serve_until_ctrl_c(
    options: FakeOptions,
    port: u16,
    started: impl FnOnce(&FakeServer),
) -> io::Result<()> {
    let server = FakeServer::start_on(options, port).await?;
    started(&server);
    tokio::signal::ctrl_c().await?;
    server.shutdown().await;
    Ok(())
}

/// What the server and its connection tasks share.
pub(super) struct Shared {
    pub(super) options: Mutex<FakeOptions>,
    pub(super) requests: Mutex<Vec<Request>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

/// Counts a request as being answered while alive.
pub(super) struct InFlight<'a>(&'a Shared);

impl<'a> InFlight<'a> {
    pub(super) fn enter(shared: &'a Shared) -> InFlight<'a> {
        let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        shared.max_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight(shared)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Locks a mutex of the fake. A poisoned lock means a test already panicked while holding it
/// (our own code holds them only for plain assignments), so panicking again is fine.
pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().expect("a fake NetYpareo lock was poisoned")
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, stop: CancellationToken) {
    loop {
        let stream = tokio::select! {
            _ = stop.cancelled() => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors and the like: wait a little rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
        };
        let shared = shared.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let shared = shared.clone();
                async move { Ok::<_, Infallible>(answer(&shared, request).await) }
            });
            let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                // A client hanging up early is not our concern.
                _ = connection => {}
                _ = stop.cancelled() => {}
            }
        });
    }
}
