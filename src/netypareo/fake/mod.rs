//! A fake NetYpareo for tests and the README demo: serves fixture JSON over HTTP/1.1 on a
//! loopback port, with the real API's shape (docs: the NetYpareo API reference, §5) and the
//! switches tests need: the array envelope, latency, denied endpoints and 5xx failures.
//!
//! Test support, not production code: it may spawn its own tasks (the accept loop and one task
//! per connection), which stop on [`FakeServer::shutdown`] or when the server is dropped.
//!
//! # What a request gets
//!
//! Requests are answered in this order, after [`FakeOptions::latency`]:
//! 1. A path outside `/index.php/r/v1/` → 404; a method other than `GET` → 405.
//! 2. A [`Failure`] whose path matches and whose `times` is not used up → its 5xx status with
//!    an HTML body, like nginx's "502 Bad Gateway" page (the gateway fails before the
//!    application checks anything).
//! 3. A missing or wrong `X-Auth-Token` (header name in any case) → 401 with a small JSON body.
//! 4. A [`FakeOptions::denied`] path → that status, JSON body ("prestataire" scoping).
//! 5. The fixture, below; a missing fixture → 404.
//!
//! # Fixtures
//!
//! `<data>/<path>.json`, read again on every request so tests can edit them between pulls:
//! `sites.json`, `utilisateur/apprenants.json`, `formation-longue/groupes.json`… A file holding
//! a JSON array is a collection: it is filtered by the query and served as `{"0": rec, "1":
//! rec, …}` (or as the array with [`FakeOptions::array_envelope`]). Any other JSON is served as
//! it is.
//!
//! Two kinds of path are computed rather than read:
//! - `formation-courte/{dd-mm-yyyy}/{dd-mm-yyyy}/groupes` serves the groups of
//!   `formation-courte/groupes.json` whose `dateDebut..dateFin` overlaps the window, and
//!   `.../apprenants` the learners of `formation-courte/apprenants.json` whose
//!   `informationsCourantes.codeGroupe` is one of those groups. Path dates that are not exactly
//!   `dd-mm-yyyy`, or a window that ends before it starts, get 400.
//! - `groupes/{codeGroupe}/apprenants` (when no `groupes/{codeGroupe}/apprenants.json` exists)
//!   serves the learners of `formation-longue/apprenants.json` and `formation-courte/apprenants.json`
//!   whose `informationsCourantes.codeGroupe` is that code, so memberships are not written
//!   twice; an unknown group (in neither `groupes.json`) gets 404. Like the real endpoint it has
//!   no period filter: the query is ignored.
//!
//! # Query filters
//!
//! `codesPeriode=a,b` and `codesSite=a,b` (commas plain or `%2C`) filter collections; other
//! parameters are ignored. A record with an `inscriptions` array (a learner) is kept when one
//! of its inscriptions matches every filter given; any other record is kept when each filtered
//! field it has (`codePeriode`, `codeSite`) is in the list, and records without the field are
//! kept (the real API ignores filters an endpoint does not take).
//!
//! # Layout
//!
//! - `server`: the options, the server and its accept loop.
//! - `answer`: a request's answer, in the order above, and the bodies the fake writes.
//! - `fixtures`: what an authorised `GET` gets: a fixture, or a computed endpoint.
//! - `query`: the query filters.

mod answer;
mod fixtures;
mod query;
mod server;

pub use server::{API_ROOT_PATH, Failure, FakeOptions, FakeServer, Request, serve_until_ctrl_c};

#[cfg(test)]
mod tests;
