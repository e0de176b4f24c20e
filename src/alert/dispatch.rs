//! From the service to the administrator: [`Alerts`], the handle the service loop tells what
//! happened (it never waits: a bounded queue for file events, dropped with a warning when
//! full, and a one-value channel for the database's state), and [`deliver`], the one task
//! that sends the alerts by mail and by command, retrying a failed delivery a couple of
//! times, never failing the service.

use std::{
    sync::Arc,
    time::{Duration, Instant, SystemTime},
};

use chrono::{DateTime, FixedOffset, Local};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::{
    command,
    event::{Event, Origin},
    mail::Mailer,
    outage::{Change, Database, Outage},
    settings::{AlertSettings, CommandSettings, Topic},
};
use crate::{error::ConfigError, host, output::summary::RunSummary};

/// How many alerts may wait to be sent; more are dropped, with a warning in the log.
pub const QUEUE: usize = 64;

/// The waits before the second and the third attempt of a delivery that failed.
const RETRY_WAITS: [Duration; 2] = [Duration::from_secs(1), Duration::from_secs(5)];

/// What the service tells about; cheap to clone. Without `[alerts]`, it does nothing.
#[derive(Debug, Clone)]
pub struct Alerts {
    inner: Option<Arc<Inner>>,
}

#[derive(Debug)]
struct Inner {
    topics: Vec<Topic>,
    origin: Origin,
    events: mpsc::Sender<Event>,
    database: watch::Sender<Database>,
}

/// The receiving end, for [`deliver`].
#[derive(Debug)]
pub struct Inbox {
    events: mpsc::Receiver<Event>,
    database: watch::Receiver<Database>,
    origin: Origin,
}

impl Inbox {
    /// How many events wait to be sent.
    pub fn waiting(&self) -> usize {
        self.events.len()
    }
}

impl Alerts {
    /// Alerts that go nowhere (no `[alerts]`).
    pub fn none() -> Alerts {
        Alerts { inner: None }
    }

    /// Alerts for the topics of `settings`, about the database `database` (as the logs
    /// describe it), and the inbox the delivery task reads.
    pub fn new(settings: &AlertSettings, database: String) -> (Alerts, Inbox) {
        let (events, receiver) = mpsc::channel(QUEUE);
        let (state, state_receiver) = watch::channel(Database::Up);
        let host = host::name();
        let origin = Origin {
            instance: format!("{}@{host}", std::process::id()),
            host,
            database,
        };
        let inbox = Inbox {
            events: receiver,
            database: state_receiver,
            origin: origin.clone(),
        };
        let inner = Inner {
            topics: settings.topics.clone(),
            origin,
            events,
            database: state,
        };
        (
            Alerts {
                inner: Some(Arc::new(inner)),
            },
            inbox,
        )
    }

    /// A file the service took ended as `summary` says: alerted if it needs attention and
    /// its kind is wanted. Never waits.
    pub fn file(&self, name: &str, summary: &RunSummary) {
        let Some(inner) = &self.inner else {
            return;
        };
        let Some(event) = Event::for_run(name, summary, &inner.origin, now()) else {
            return;
        };
        if !inner.topics.contains(&event.kind.topic()) {
            return;
        }
        match inner.events.try_send(event) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(event)) => warn!(
                file = name,
                kind = event.kind_name(),
                "Alert dropped: {QUEUE} alerts already wait to be sent"
            ),
            Err(mpsc::error::TrySendError::Closed(event)) => warn!(
                file = name,
                kind = event.kind_name(),
                "Alert dropped: alerts are no longer sent (the service is stopping)"
            ),
        }
    }

    /// The database was found unusable (`since`: the start of the attempt that failed).
    /// Only the first report of an outage counts; never waits.
    pub fn database_down(&self, since: SystemTime, problem: &str) {
        let Some(inner) = self.wants_database() else {
            return;
        };
        inner.database.send_if_modified(|state| match state {
            Database::Up => {
                *state = Database::Down {
                    since,
                    problem: problem.to_owned(),
                };
                true
            }
            Database::Down { .. } => false,
        });
    }

    /// The database answers. Never waits.
    pub fn database_up(&self) {
        let Some(inner) = self.wants_database() else {
            return;
        };
        inner.database.send_if_modified(|state| {
            let changed = *state != Database::Up;
            *state = Database::Up;
            changed
        });
    }

    fn wants_database(&self) -> Option<&Inner> {
        self.inner
            .as_deref()
            .filter(|inner| inner.topics.contains(&Topic::DatabaseDown))
    }
}

/// Where alerts go, prepared when the service starts.
#[derive(Debug)]
pub struct Destinations {
    mail: Option<Mailer>,
    command: Option<CommandSettings>,
}

impl Destinations {
    /// Prepares the mail transport (credentials from the environment, CA file) and the
    /// command. An error names the setting to fix.
    pub fn new(settings: &AlertSettings) -> Result<Destinations, ConfigError> {
        Ok(Destinations {
            mail: settings.mail.as_ref().map(Mailer::new).transpose()?,
            command: settings.command.clone(),
        })
    }
}

/// When the delivery task stops.
#[derive(Debug, Clone)]
pub struct Stopping {
    /// The stop signal: from then on, no retries and no new database alert.
    pub stop: CancellationToken,
    /// Cancelled once the service loop has ended: no alert can come any more; those that
    /// wait are sent, then the task ends.
    pub service_done: CancellationToken,
    /// How long after the stop signal the task may go on sending.
    pub grace: Duration,
}

/// The delivery task: sends each alert from `inbox`, and the database's, until the service
/// has stopped (or the grace after the stop signal has passed). A failed delivery is logged
/// at WARN with its cause and retried twice, after 1 s and 5 s; it never ends the task.
pub async fn deliver(
    settings: AlertSettings,
    destinations: Destinations,
    mut inbox: Inbox,
    stopping: Stopping,
) {
    let mut outage = Outage::new(settings.database_down_after);
    let mut deadline: Option<Instant> = None;
    let mut closed = false;
    let mut database_gone = false;
    // Far enough never to come, for a timer that is not armed.
    let never = || Instant::now() + Duration::from_secs(365 * 24 * 3600);
    loop {
        let due = outage.due().filter(|_| deadline.is_none());
        let event = tokio::select! {
            biased;
            () = stopping.stop.cancelled(), if deadline.is_none() => {
                deadline = Some(Instant::now() + stopping.grace);
                continue;
            }
            () = stopping.service_done.cancelled(), if !closed => {
                // What waits is still received; nothing new can come.
                inbox.events.close();
                closed = true;
                continue;
            }
            () = tokio::time::sleep_until(deadline.unwrap_or_else(never).into()), if deadline.is_some() => {
                let left = inbox.waiting();
                if left > 0 {
                    warn!(alerts = left, "Stopped before every alert was sent");
                }
                break;
            }
            received = inbox.events.recv() => match received {
                Some(event) => event,
                None => break,
            },
            changed = inbox.database.changed(), if deadline.is_none() && !database_gone => {
                if changed.is_err() {
                    // The service's handle is gone: only queued events remain.
                    database_gone = true;
                    continue;
                }
                let state = inbox.database.borrow_and_update().clone();
                match outage.observe(&state, Instant::now(), SystemTime::now()) {
                    Some(change) => database_event(change, &inbox.origin),
                    None => continue,
                }
            }
            () = tokio::time::sleep_until(due.unwrap_or_else(never).into()), if due.is_some() => {
                match outage.fire(Instant::now()) {
                    Some(change) => database_event(change, &inbox.origin),
                    None => continue,
                }
            }
        };
        let attempts = if deadline.is_some() { 1 } else { 3 };
        let sending = send(&destinations, &event, attempts);
        match deadline {
            Some(deadline) => {
                if tokio::time::timeout_at(deadline.into(), sending)
                    .await
                    .is_err()
                {
                    warn!(
                        kind = event.kind_name(),
                        file = event.file.as_deref(),
                        "Alert not sent: the service stopped meanwhile"
                    );
                    break;
                }
            }
            None => {
                // A stop while sending gives the send the grace that is left, not more.
                tokio::pin!(sending);
                tokio::select! {
                    () = &mut sending => {}
                    () = stopping.stop.cancelled() => {
                        let until = Instant::now() + stopping.grace;
                        deadline = Some(until);
                        if tokio::time::timeout_at(until.into(), sending).await.is_err() {
                            warn!(
                                kind = event.kind_name(),
                                file = event.file.as_deref(),
                                "Alert not sent: the service stopped meanwhile"
                            );
                            break;
                        }
                    }
                }
            }
        }
    }
}

fn database_event(change: Change, origin: &Origin) -> Event {
    match change {
        Change::Down { since, problem } => {
            warn!(
                "The database has been unusable since {}: alerting",
                super::event::rfc3339(local(since))
            );
            Event::database_down(&problem, local(since), origin, now())
        }
        Change::Back { since } => Event::database_back(local(since), origin, now()),
    }
}

/// Sends one event to every destination at once, each retried on its own.
async fn send(destinations: &Destinations, event: &Event, attempts: usize) {
    let mail = async {
        let Some(mailer) = &destinations.mail else {
            return;
        };
        let outcome = retried("mail", event, attempts, || mailer.send(event)).await;
        if outcome.is_some() {
            info!(
                kind = event.kind_name(),
                file = event.file.as_deref(),
                to = %mailer.recipients(),
                "Alert sent by mail"
            );
        }
    };
    let command = async {
        let Some(settings) = &destinations.command else {
            return;
        };
        let outcome = retried("command", event, attempts, || command::run(settings, event)).await;
        if let Some(status) = outcome {
            info!(
                kind = event.kind_name(),
                file = event.file.as_deref(),
                command = %settings.argv[0],
                %status,
                "Alert given to the command"
            );
        }
    };
    tokio::join!(mail, command);
}

/// Runs `attempt` up to `attempts` times, waiting [`RETRY_WAITS`] between; `None` (logged) if
/// every attempt failed.
async fn retried<T, F: Future<Output = Result<T, super::AlertError>>>(
    destination: &str,
    event: &Event,
    attempts: usize,
    mut attempt: impl FnMut() -> F,
) -> Option<T> {
    for number in 1..=attempts {
        match attempt().await {
            Ok(value) => return Some(value),
            Err(error) => {
                let kind = event.kind_name();
                let file = event.file.as_deref();
                match RETRY_WAITS.get(number - 1).filter(|_| number < attempts) {
                    Some(wait) => {
                        warn!(
                            kind,
                            file,
                            attempt = number,
                            "Alert not sent by {destination} ({error}); trying again in {} s",
                            wait.as_secs()
                        );
                        tokio::time::sleep(*wait).await;
                    }
                    None => {
                        warn!(
                            kind,
                            file,
                            attempts,
                            "Alert not sent by {destination}, given up after {}: {error}",
                            if attempts == 1 {
                                "1 attempt".to_owned()
                            } else {
                                format!("{attempts} attempts")
                            }
                        );
                    }
                }
            }
        }
    }
    None
}

fn now() -> DateTime<FixedOffset> {
    Local::now().fixed_offset()
}

fn local(time: SystemTime) -> DateTime<FixedOffset> {
    DateTime::<Local>::from(time).fixed_offset()
}
