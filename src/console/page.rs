//! The frame every page shares (title, navigation, language switch, who is logged in), its
//! style sheet (inline: nothing is fetched from elsewhere), the login form, error pages, and
//! the small helpers pages use. Every value is written through maud, which escapes it.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::{auth::Caller, lang::Lang};

/// The style sheet: small, readable on a phone, no external font or image.
const STYLE: &str = r#"
:root{--fg:#1d2733;--muted:#5b6775;--line:#d8dee6;--bg:#f6f8fa;--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--accent:#0b5cad}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:#fff}
header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;padding:.6rem 1rem;background:var(--fg);color:#fff}
header a{color:#fff;text-decoration:none}
header nav{display:flex;flex-wrap:wrap;gap:.25rem .9rem;flex:1}
header .who{display:flex;gap:.6rem;align-items:center;font-size:.9em}
header form{margin:0}
header button{background:none;border:1px solid #fff8;color:#fff;border-radius:4px;padding:.1rem .5rem;cursor:pointer}
main{padding:1rem;max-width:72rem;margin:0 auto}
h1{font-size:1.4rem;margin:.2rem 0 1rem}
h2{font-size:1.1rem;margin:1.5rem 0 .5rem;border-bottom:1px solid var(--line);padding-bottom:.2rem}
table{border-collapse:collapse;width:100%;font-size:.93em}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{background:var(--bg);font-weight:600}
.scroll{overflow-x:auto}
.muted{color:var(--muted)}
.tag{display:inline-block;padding:0 .45rem;border-radius:9px;font-size:.85em;background:var(--bg);border:1px solid var(--line);white-space:nowrap}
.success,.changed,.ready{color:var(--ok);border-color:var(--ok)}
.partial,.held,.settling,.writing,.duplicate,.awaiting_marker,.unchanged{color:var(--warn);border-color:var(--warn)}
.rejected,.rolled_back,.failed,.unrouted,.down{color:var(--bad);border-color:var(--bad)}
.card{border:1px solid var(--line);border-radius:6px;padding:.7rem .9rem;margin:.6rem 0;background:#fff}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr));gap:.6rem}
.actions{display:flex;flex-wrap:wrap;gap:.4rem;margin-top:.4rem}
.actions form{margin:0}
button,.button{font:inherit;padding:.3rem .8rem;border-radius:4px;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary,.button.secondary{background:#fff;color:var(--accent)}
button.danger{background:var(--bad);border-color:var(--bad)}
input,select{font:inherit;padding:.3rem .4rem;border:1px solid var(--line);border-radius:4px;max-width:100%}
form.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin-bottom:.8rem}
form.filters label{display:flex;flex-direction:column;font-size:.85em;color:var(--muted)}
pre{white-space:pre-wrap;word-break:break-word;background:var(--bg);padding:.6rem;border-radius:4px;font-size:.88em}
.notice{border-left:4px solid var(--accent);background:var(--bg);padding:.5rem .8rem;margin:.6rem 0}
.error{border-left-color:var(--bad)}
.pages{display:flex;gap:.8rem;margin:.8rem 0}
code{font-size:.92em;word-break:break-all}
@media (max-width:40rem){th.wide,td.wide{display:none}main{padding:.6rem}}
"#;

/// A page in the frame: `title`, the navigation with `active` marked, the body.
pub(super) fn frame(caller: &Caller, path: &str, title: &str, body: Markup) -> Markup {
    let lang = caller.lang;
    let other = lang.other();
    let nav = [
        ("/", lang.pick("Home", "Accueil")),
        ("/runs", lang.pick("Runs", "Exécutions")),
        ("/search", lang.pick("Search", "Recherche")),
        ("/drop", lang.pick("Drop a file", "Déposer un fichier")),
    ];
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · moodle-sync" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header {
                    strong { a href="/" { "moodle-sync" } }
                    nav {
                        @for (href, label) in nav {
                            @if href == path || (href != "/" && path.starts_with(href)) {
                                a href=(href) aria-current="page" { u { (label) } }
                            } @else {
                                a href=(href) { (label) }
                            }
                        }
                    }
                    div.who {
                        a href={ "/lang/" (other.code()) "?back=" (query_escape(path)) } lang=(other.code()) {
                            (other.pick("English", "Français"))
                        }
                        span { (caller.identity.name) " · " (role_label(lang, caller)) }
                        @if let Some(csrf) = &caller.csrf {
                            form method="post" action="/logout" {
                                input type="hidden" name="csrf" value=(csrf);
                                button type="submit" { (lang.pick("Log out", "Se déconnecter")) }
                            }
                        }
                    }
                }
                main { (body) }
            }
        }
    }
}

fn role_label(lang: Lang, caller: &Caller) -> &'static str {
    if caller.may_act() {
        lang.pick("operator", "opérateur")
    } else {
        lang.pick("viewer", "lecteur")
    }
}

/// The login form.
pub(super) fn login(lang: Lang, csrf: &str, next: &str, failed_as: Option<&str>) -> Markup {
    let other = lang.other();
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (lang.pick("Log in", "Connexion")) " · moodle-sync" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                main style="max-width:24rem" {
                    h1 { "moodle-sync" }
                    @if let Some(name) = failed_as {
                        p.notice.error { (lang.pick("Unknown name or wrong password for", "Nom inconnu ou mot de passe erroné pour")) " " strong { (name) } }
                    }
                    form method="post" action="/login" {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="next" value=(next);
                        p { label { (lang.pick("Name", "Nom")) br; input name="name" autocomplete="username" required value=(failed_as.unwrap_or_default()); } }
                        p { label { (lang.pick("Password", "Mot de passe")) br; input name="password" type="password" autocomplete="current-password" required; } }
                        p { button type="submit" { (lang.pick("Log in", "Se connecter")) } }
                    }
                    p.muted { a href={ "/lang/" (other.code()) "?back=" (query_escape(&format!("/login?next={}", query_escape(next)))) } { (other.pick("English", "Français")) } }
                }
            }
        }
    }
}

/// A page that says what went wrong, with its status.
pub(super) fn error(caller: &Caller, status: StatusCode, message: &str) -> Response {
    let lang = caller.lang;
    let title = lang.pick("Cannot do that", "Impossible");
    let body = frame(
        caller,
        "",
        title,
        html! {
            h1 { (title) }
            p.notice.error { (message) }
            p { a href="/" { (lang.pick("Back to the home page", "Retour à l'accueil")) } }
        },
    );
    (status, body).into_response()
}

/// A value made safe for a URL's query.
pub(super) fn query_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(char::from(byte));
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// A URL-encoded value decoded (`+` is a space); `None` when it is not valid UTF-8.
pub(super) fn query_unescape(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?, 16) {
                    Ok(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// A ledger time (Unix milliseconds) as people read it, in the host's time zone.
pub(super) fn time(ms: i64) -> String {
    use chrono::{Local, TimeZone};
    Local
        .timestamp_millis_opt(ms)
        .single()
        .map(|time| time.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

/// An outcome as a coloured tag.
pub(super) fn tag(word: &str) -> Markup {
    html! { span class={ "tag " (word) } { (word.replace('_', " ")) } }
}

/// A button that sends a form of one action, with the caller's CSRF token.
pub(super) fn action(caller: &Caller, target: &str, label: &str, class: &str) -> Markup {
    html! {
        form method="post" action=(target) {
            @if let Some(csrf) = &caller.csrf {
                input type="hidden" name="csrf" value=(csrf);
            }
            button type="submit" class=(class) { (label) }
        }
    }
}
