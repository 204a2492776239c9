//! Making connections to PostgreSQL: the `--db` URL, filled in from the usual `PG*` variables and
//! a password file the way libpq does, and TLS through rustls where the URL (or `PGSSLMODE`)
//! asks for it.
//!
//! # Where each setting comes from
//!
//! The URL always wins; what it leaves out comes from the variable libpq reads, then a default.
//! A variable set to the empty string counts as unset. `--db postgres://` alone takes everything
//! from the environment.
//!
//! | setting | URL | then | then |
//! |---|---|---|---|
//! | host(s) | `host:port` part, `?host=` | `PGHOST` (a comma list; a `/path` is a Unix socket directory) | `localhost` (libpq would try its Unix socket first) |
//! | port(s) | `:port`, `?port=` | `PGPORT` (one, or one per host) | 5432 |
//! | user | `user@`, `?user=` | `PGUSER` | the name of the user Switchboard runs as |
//! | database | `/name`, `?dbname=` | `PGDATABASE` | the user's name (the server's default) |
//! | password | `user:password@`, `?password=` | `PGPASSWORD` | the password file (below) |
//! | `sslmode` | `?sslmode=` | `PGSSLMODE` | `prefer` |
//! | `sslrootcert` | `?sslrootcert=` | `PGSSLROOTCERT` | the built-in public roots |
//! | connect timeout | `?connect_timeout=` (seconds) | `PGCONNECT_TIMEOUT` | 5 s (also for a value of 0 or less) |
//! | application name | `?application_name=` | `PGAPPNAME` | `switchboard` |
//!
//! # The password file
//!
//! `PGPASSFILE`, or `~/.pgpass`: lines of `hostname:port:database:username:password`, read only
//! when neither the URL nor `PGPASSWORD` gives a password. A field of `*` matches anything, `\:`
//! and `\\` stand for `:` and `\`, lines starting with `#` are comments, and the first matching
//! line wins. The host matched is the first host (`localhost` for a Unix socket), the port its
//! port, the database the one connected to (the user's name when none is given). As libpq does,
//! a file that its group or others may read is ignored, with a warning saying so.
//!
//! # TLS (`sslmode`)
//!
//! | `sslmode` | what happens |
//! |---|---|
//! | `disable` | never TLS |
//! | `allow` | refused, with a message: it would try without TLS first, which this driver cannot; use `prefer` or `disable` |
//! | `prefer` (the default) | TLS when the server offers it, plain otherwise; the certificate is **not** checked, as libpq's `prefer` does not check it: this keeps out only passive eavesdroppers |
//! | `require` | TLS or no connection; the certificate is checked, host name included (stricter than libpq, whose `require` checks nothing without a root file), against `sslrootcert`, or the built-in public roots (Mozilla's, from `webpki-roots`) when none is given |
//! | `verify-full` | the same as `require` here |
//! | `verify-ca` | TLS or no connection; the chain is checked against `sslrootcert`, which it needs, but not the host name. Public roots are never used for it: without the name check, any site's public certificate would pass |
//!
//! `sslrootcert` is a PEM file of one or more CA certificates (a self-signed server certificate
//! works too), or `system` for the built-in public roots; only the checking modes use it. Client
//! certificates (`sslcert`, `sslkey`) and revocation lists are not supported and are refused with
//! a message; `~/.postgresql/root.crt` is not read. TLS runs over TCP only: PostgreSQL offers none
//! on a Unix socket. The crypto is rustls with its `ring` provider, the one the HTTP client in
//! this binary already uses, so there is one TLS stack and one set of roots.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use percent_encoding::percent_decode_str;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres::NoTls;
use tokio_postgres::config::{Config, Host};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::CONNECT_TIMEOUT;

#[cfg(test)]
mod tests;

/// How settings are looked up: the process environment in production, a table in tests (so no
/// test changes the environment every other test shares).
type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// A pool on `url`, with the `PG*` variables and the password file filling in what it leaves
/// out, and TLS where its `sslmode` asks; with it, where it leads (user, host, port and
/// database, never the password) for messages and logs: with the variables filling in, the
/// URL alone may not say.
pub(super) fn pool(url: &str, size: usize) -> Result<(Pool, String), String> {
    let env = |name: &str| std::env::var(name).ok();
    let Settings {
        mut config,
        ssl,
        rootcert,
    } = settings(url, &env)?;
    // tokio-postgres would find the same name when connecting; it is set here so the password
    // file is searched for the user that will log in.
    if config.get_user().is_none()
        && let Ok(user) = whoami::username()
    {
        config.user(user);
    }
    if config.get_password().is_none()
        && let Some(password) = password_from_file(&env, &pass_key(&config))
    {
        config.password(password);
    }
    let target = target(&config);
    let timeout = config.get_connect_timeout().copied();
    let manager_config = || ManagerConfig {
        recycling_method: RecyclingMethod::Fast,
    };
    let manager = match tls(ssl, rootcert.as_deref())? {
        None => Manager::from_config(config, NoTls, manager_config()),
        Some(tls) => Manager::from_config(config, MakeRustlsConnect::new(tls), manager_config()),
    };
    Pool::builder(manager)
        .max_size(size.max(1))
        .runtime(Runtime::Tokio1)
        // The pool's own bound on making a connection follows the connect timeout, so a longer
        // one asked for in the URL or PGCONNECT_TIMEOUT is not cut short here.
        .create_timeout(timeout)
        .build()
        .map(|pool| (pool, target))
        .map_err(|e| format!("cannot make a connection pool: {e}"))
}

/// `user@host:port/database` of the first host, as the connection will use them.
fn target(config: &Config) -> String {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(name)) if name.contains(':') => format!("[{name}]"),
        Some(Host::Tcp(name)) => name.clone(),
        Some(Host::Unix(dir)) => dir.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config.get_user().unwrap_or_default();
    let database = config.get_dbname().unwrap_or(user);
    format!("postgres://{user}@{host}:{port}/{database}")
}

/// What to say when the first connection fails: the pool's error says only that it failed,
/// its sources say why (refused, timed out, password authentication failed, a certificate not
/// trusted…), and the advice depends on which.
pub(super) fn unreachable_reason(error: &deadpool_postgres::PoolError) -> String {
    let mut why = Vec::new();
    let mut tls = None;
    let mut source = std::error::Error::source(error);
    while let Some(e) = source {
        why.push(e.to_string());
        // tokio-rustls hands rustls' error up inside an io::Error.
        if let Some(rustls) = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            tls = Some(matches!(rustls, rustls::Error::InvalidCertificate(_)));
        }
        source = e.source();
    }
    let error = if why.is_empty() {
        error.to_string()
    } else {
        why.join(": ")
    };
    if tls == Some(true) {
        format!(
            "{error}; the server's TLS certificate was not accepted: give the CA certificate that signed it with sslrootcert=/path/ca.pem in the URL (or PGSSLROOTCERT), connect by the host name the certificate names (or use sslmode=verify-ca to skip the name check), or use sslmode=prefer on a private network"
        )
    } else if tls == Some(false) {
        format!(
            "{error}; TLS with the server failed: check its ssl settings (this client speaks TLS 1.2 and 1.3), or use sslmode=disable on a private network"
        )
    } else if error.contains("server does not support TLS") {
        format!(
            "{error}; the server does not offer TLS: turn ssl on in its postgresql.conf, or use sslmode=prefer (or disable) on a private network"
        )
    } else {
        format!(
            "{error}; check that PostgreSQL is running there and accepts this user (the URL's user, password and database, or PGUSER, PGPASSWORD or ~/.pgpass, PGDATABASE), or fix --db / SWITCHBOARD_DB"
        )
    }
}

/// The URL with any password replaced, for messages and logs.
pub(in crate::store) fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let authority = match authority.rsplit_once('@') {
        Some((user, host)) => match user.split_once(':') {
            Some((name, _)) => format!("{name}:***@{host}"),
            None => format!("{user}@{host}"),
        },
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some(("password", _)) => "password=***".to_owned(),
                    _ => pair.to_owned(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_owned(),
    };
    format!("{scheme}://{authority}{tail}")
}

/// What a connection needs, from the URL and the environment, before any file is read.
#[derive(Debug)]
struct Settings {
    config: Config,
    ssl: SslMode,
    /// `sslrootcert`: a PEM file, or `system`.
    rootcert: Option<String>,
}

/// The `sslmode`s this build knows; see the module's docs for what each does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    /// Reads libpq's spelling; `from` names where the value came from, for the message.
    fn parse(value: &str, from: &str) -> Result<SslMode, String> {
        match value {
            "disable" => Ok(SslMode::Disable),
            "prefer" => Ok(SslMode::Prefer),
            "require" => Ok(SslMode::Require),
            "verify-ca" => Ok(SslMode::VerifyCa),
            "verify-full" => Ok(SslMode::VerifyFull),
            "allow" => Err(format!(
                "{from}: sslmode=allow is not supported (it connects without TLS first, which this driver cannot do); use prefer, which uses TLS when the server offers it, or disable"
            )),
            other => Err(format!(
                "{from}: unknown sslmode {other:?}; use disable, prefer, require, verify-ca or verify-full"
            )),
        }
    }

    /// What tokio-postgres is told: it knows only whether TLS is off, wanted or needed; what
    /// is checked is up to the connector (`tls`).
    fn negotiation(self) -> tokio_postgres::config::SslMode {
        match self {
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
                tokio_postgres::config::SslMode::Require
            }
        }
    }
}

/// The URL's parameters that are read here rather than by tokio-postgres (which knows neither
/// `verify-*` nor `sslrootcert`), and what the URL says about the port.
#[derive(Debug, Default, PartialEq)]
struct Url {
    /// The scheme and any credentials, up to the hosts.
    prefix: String,
    /// The `host:port` part (empty when the URL names no host there).
    hosts: String,
    /// The database and the parameters but `sslmode` and `sslrootcert`.
    tail: String,
    sslmode: Option<String>,
    sslrootcert: Option<String>,
    /// Whether the URL gives a port anywhere (tokio-postgres fills in 5432 for a host without
    /// one, so its config cannot tell).
    gives_port: bool,
    gives_host: bool,
    gives_connect_timeout: bool,
}

/// libpq's TLS parameters this build cannot honour, refused by name rather than let through as
/// "unknown option".
const UNSUPPORTED_TLS: &[&str] = &[
    "sslcert",
    "sslkey",
    "sslpassword",
    "sslcrl",
    "sslcrldir",
    "sslcertmode",
];

impl Url {
    /// Splits `url` the way tokio-postgres reads it (credentials up to the first `@`, hosts up
    /// to `/` or `?`, the database, then `key=value` parameters).
    fn split(url: &str) -> Result<Url, String> {
        let Some(scheme) = ["postgres://", "postgresql://"]
            .into_iter()
            .find(|s| url.starts_with(s))
        else {
            return Err(
                "the URL is not valid; write postgres://user@host:port/database".to_owned(),
            );
        };
        let after = &url[scheme.len()..];
        let creds = after.find('@').map_or(0, |i| i + 1);
        let (head, query) = match after[creds..].find('?') {
            Some(i) => (&after[..creds + i], Some(&after[creds + i + 1..])),
            None => (after, None),
        };
        let (hosts, path) =
            head[creds..].split_at(head[creds..].find('/').unwrap_or(head.len() - creds));
        let mut split = Url {
            prefix: format!("{scheme}{}", &after[..creds]),
            hosts: hosts.to_owned(),
            gives_host: !hosts.is_empty(),
            gives_port: hosts.split(',').any(has_port),
            ..Url::default()
        };
        let mut kept = Vec::new();
        for pair in query.unwrap_or("").split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = percent_decode_str(key).decode_utf8_lossy();
            let decoded = || percent_decode_str(value).decode_utf8_lossy().into_owned();
            match &*key {
                "sslmode" => split.sslmode = Some(decoded()),
                "sslrootcert" => split.sslrootcert = Some(decoded()),
                unsupported if UNSUPPORTED_TLS.contains(&unsupported) => {
                    return Err(format!(
                        "the URL's {unsupported} is not supported: this build does no client certificates or revocation lists; remove it (and log in with a password: PGPASSWORD or ~/.pgpass)"
                    ));
                }
                other => {
                    split.gives_port |= other == "port";
                    split.gives_host |= other == "host" || other == "hostaddr";
                    split.gives_connect_timeout |= other == "connect_timeout";
                    kept.push(pair);
                }
            }
        }
        split.tail = if kept.iter().any(|pair| !pair.is_empty()) {
            format!("{path}?{}", kept.join("&"))
        } else {
            path.to_owned()
        };
        Ok(split)
    }

    /// The URL for tokio-postgres, its hosts given `ports` where it gives none itself.
    fn with_ports(&self, ports: &[u16]) -> Result<String, String> {
        if self.gives_port || self.hosts.is_empty() || ports.is_empty() {
            return Ok(format!("{}{}{}", self.prefix, self.hosts, self.tail));
        }
        let hosts: Vec<&str> = self.hosts.split(',').collect();
        if ports.len() > 1 && ports.len() != hosts.len() {
            return Err(format!(
                "PGPORT lists {} ports for the URL's {} hosts; give one port, or one per host",
                ports.len(),
                hosts.len()
            ));
        }
        let hosts: Vec<String> = hosts
            .iter()
            .zip(ports.iter().cycle())
            .map(|(host, port)| format!("{host}:{port}"))
            .collect();
        Ok(format!("{}{}{}", self.prefix, hosts.join(","), self.tail))
    }
}

/// Whether one `host[:port]` of a URL names its port (`[::1]:5433` does, `[::1]` does not).
fn has_port(host: &str) -> bool {
    match host.strip_prefix('[') {
        Some(v6) => v6.split_once(']').is_some_and(|(_, p)| p.starts_with(':')),
        None => host.contains(':'),
    }
}

/// A variable's value, unless it is unset or empty.
fn var(env: Env<'_>, name: &str) -> Option<String> {
    env(name).filter(|v| !v.is_empty())
}

/// `PGPORT`'s ports: one, or a comma list (an empty entry is 5432, as in a URL).
fn ports(value: &str) -> Result<Vec<u16>, String> {
    value
        .split(',')
        .map(|p| match p.trim() {
            "" => Ok(5432),
            p => p.parse().ok().filter(|&p| p != 0).ok_or_else(|| {
                format!("PGPORT={value} is not a port number; unset it or give one like 5432")
            }),
        })
        .collect()
}

/// The URL, then the `PG*` variables, then the defaults (see the module's docs).
fn settings(url: &str, env: Env<'_>) -> Result<Settings, String> {
    let split = Url::split(url)?;
    let ssl = match (&split.sslmode, var(env, "PGSSLMODE")) {
        (Some(mode), _) => SslMode::parse(mode, "the URL")?,
        (None, Some(mode)) => SslMode::parse(&mode, "PGSSLMODE")?,
        (None, None) => SslMode::Prefer,
    };
    let env_ports = match var(env, "PGPORT") {
        Some(value) if !split.gives_port => ports(&value)?,
        _ => Vec::new(),
    };
    let mut config: Config = split.with_ports(&env_ports)?.parse().map_err(|e| {
        format!("the URL is not valid ({e}); write postgres://user@host:port/database")
    })?;
    if !split.gives_host {
        let hosts = var(env, "PGHOST").unwrap_or_else(|| "localhost".to_owned());
        for host in hosts.split(',') {
            add_host(&mut config, host.trim());
        }
        if env_ports.len() > 1 && env_ports.len() != config.get_hosts().len() {
            return Err(format!(
                "PGPORT lists {} ports for {} hosts; give one port, or one per host",
                env_ports.len(),
                config.get_hosts().len()
            ));
        }
        for port in &env_ports {
            config.port(*port);
        }
    }
    if config.get_user().is_none()
        && let Some(user) = var(env, "PGUSER")
    {
        config.user(user);
    }
    if config.get_dbname().is_none()
        && let Some(dbname) = var(env, "PGDATABASE")
    {
        config.dbname(dbname);
    }
    // The password stays off the command line (and out of `ps`): PostgreSQL's own variable.
    if config.get_password().is_none()
        && let Some(password) = var(env, "PGPASSWORD")
    {
        config.password(password);
    }
    if config.get_connect_timeout().is_none() {
        let seconds = match var(env, "PGCONNECT_TIMEOUT") {
            Some(value) if !split.gives_connect_timeout => value.trim().parse::<i64>().map_err(|_| {
                format!("PGCONNECT_TIMEOUT={value} is not a number of seconds; unset it or give one like 10")
            })?,
            _ => 0,
        };
        config.connect_timeout(match u64::try_from(seconds) {
            Ok(seconds) if seconds > 0 => Duration::from_secs(seconds),
            _ => CONNECT_TIMEOUT,
        });
    }
    if config.get_application_name().is_none() {
        config.application_name(var(env, "PGAPPNAME").unwrap_or_else(|| "switchboard".to_owned()));
    }
    config.ssl_mode(ssl.negotiation());
    Ok(Settings {
        config,
        ssl,
        rootcert: split.sslrootcert.or_else(|| var(env, "PGSSLROOTCERT")),
    })
}

/// One entry of `PGHOST`: a Unix socket directory if it is a path, a host name otherwise.
fn add_host(config: &mut Config, host: &str) {
    match host {
        "" => config.host("localhost"),
        #[cfg(unix)]
        path if path.starts_with('/') => config.host_path(path),
        name => config.host(name),
    };
}

/// The connector `ssl` needs: none for `disable`, else rustls with the checks the module's docs
/// describe.
fn tls(ssl: SslMode, rootcert: Option<&str>) -> Result<Option<ClientConfig>, String> {
    // Chosen here, not left to rustls' process-wide default, so what this binary links (ring,
    // as the HTTP client does) is what runs, and no second provider is needed.
    if ssl == SslMode::Disable {
        return Ok(None);
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let algorithms = provider.signature_verification_algorithms;
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot set up TLS: {e}"))?;
    let config = match ssl {
        // Handled above, before any TLS set-up.
        SslMode::Disable => return Ok(None),
        SslMode::Prefer => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Lenient {
                roots: None,
                algorithms,
            }))
            .with_no_client_auth(),
        SslMode::Require | SslMode::VerifyFull => builder
            .with_root_certificates(roots(rootcert)?)
            .with_no_client_auth(),
        SslMode::VerifyCa => {
            let Some(path) = rootcert.filter(|p| *p != "system") else {
                return Err(
                    "sslmode=verify-ca needs sslrootcert=/path/ca.pem (or PGSSLROOTCERT): it does not check the host name, so public roots would accept any site's certificate; give the CA that signed the server's certificate, or use verify-full".to_owned(),
                );
            };
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(Lenient {
                    roots: Some(roots(Some(path))?),
                    algorithms,
                }))
                .with_no_client_auth()
        }
    };
    Ok(Some(config))
}

/// The roots a certificate is checked against: `sslrootcert`'s PEM file, or the public ones.
fn roots(rootcert: Option<&str>) -> Result<RootCertStore, String> {
    let path = match rootcert {
        None | Some("system") => {
            return Ok(RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            });
        }
        Some(path) => path,
    };
    let unreadable = |e: &dyn std::fmt::Display| {
        format!(
            "cannot read sslrootcert {path}: {e}; give a PEM file of the CA certificate that signed the server's"
        )
    };
    let certificates = CertificateDer::pem_file_iter(path)
        .map_err(|e| unreadable(&e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| unreadable(&e))?;
    let mut store = RootCertStore::empty();
    let (added, _) = store.add_parsable_certificates(certificates);
    if added == 0 {
        return Err(unreadable(&"it holds no usable certificate"));
    }
    Ok(store)
}

/// The certificate check of `prefer` (none: libpq's `prefer` checks nothing either, and a
/// failed check cannot fall back to plain once the server has agreed to TLS) and of
/// `verify-ca` (the chain to `roots`, not the name). The handshake's own signatures are
/// always checked: without that, the session key would not be tied to the certificate at all.
#[derive(Debug)]
struct Lenient {
    roots: Option<RootCertStore>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for Lenient {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Some(roots) = &self.roots {
            let certificate = rustls::server::ParsedCertificate::try_from(end_entity)?;
            rustls::client::verify_server_cert_signed_by_trust_anchor(
                &certificate,
                roots,
                intermediates,
                now,
                self.algorithms.all,
            )?;
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// What a password-file line is matched against.
#[derive(Debug, PartialEq)]
struct PassKey {
    host: String,
    port: u16,
    database: String,
    user: String,
}

/// The first host, its port, the database and the user a connection to `config` will use.
fn pass_key(config: &Config) -> PassKey {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(name)) => name.clone(),
        // libpq matches a Unix socket connection as "localhost".
        #[cfg(unix)]
        Some(Host::Unix(_)) => "localhost".to_owned(),
        None => config
            .get_hostaddrs()
            .first()
            .map_or_else(|| "localhost".to_owned(), ToString::to_string),
    };
    let user = config.get_user().unwrap_or_default().to_owned();
    PassKey {
        host,
        port: config.get_ports().first().copied().unwrap_or(5432),
        database: config
            .get_dbname()
            .map_or_else(|| user.clone(), str::to_owned),
        user,
    }
}

/// The password for `key` from `PGPASSFILE` or `~/.pgpass`, if that file exists, is private to
/// its owner and has a matching line.
fn password_from_file(env: Env<'_>, key: &PassKey) -> Option<String> {
    let path = match var(env, "PGPASSFILE") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(var(env, "HOME")?).join(".pgpass"),
    };
    let metadata = std::fs::metadata(&path).ok()?;
    if !metadata.is_file() {
        tracing::warn!(path = %path.display(), "the password file is not a plain file, so it is ignored");
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = metadata.permissions().mode();
        if too_open(mode) {
            tracing::warn!(
                path = %path.display(),
                mode = format!("{:o}", mode & 0o777),
                "the password file may be read by its group or others, so it is ignored (as libpq does); make it private with chmod 600"
            );
            return None;
        }
    }
    match std::fs::read_to_string(&path) {
        Ok(contents) => pgpass_lookup(&contents, key),
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "cannot read the password file, so it is ignored");
            None
        }
    }
}

/// Whether a file's mode lets its group or others in at all (libpq then ignores the file).
fn too_open(mode: u32) -> bool {
    mode & 0o077 != 0
}

/// The password of the first line of a password file matching `key`.
fn pgpass_lookup(contents: &str, key: &PassKey) -> Option<String> {
    let port = key.port.to_string();
    let wanted = [&*key.host, &*port, &*key.database, &*key.user];
    contents
        .lines()
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(fields)
        .filter(|fields| fields.len() >= 5)
        .find(|fields| {
            fields
                .iter()
                .zip(wanted)
                .all(|(field, wanted)| field.any || field.text == wanted)
        })
        .map(|mut fields| fields.swap_remove(4).text)
        .filter(|password| !password.is_empty())
}

/// One field of a password-file line.
#[derive(Debug)]
struct Field {
    /// The field with its escapes undone.
    text: String,
    /// A bare `*` (an escaped `\*` is a literal star).
    any: bool,
}

/// A line's fields, split on unescaped `:`; `\` makes the next character literal.
fn fields(line: &str) -> Vec<Field> {
    let mut fields = Vec::new();
    let (mut text, mut any) = (String::new(), true);
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ':' => {
                let done = std::mem::take(&mut text);
                fields.push(Field {
                    any: any && done == "*",
                    text: done,
                });
                any = true;
            }
            '\\' => {
                any = false;
                // A lone backslash at the end stays, as libpq keeps it.
                text.push(chars.next().unwrap_or('\\'));
            }
            c => text.push(c),
        }
    }
    fields.push(Field {
        any: any && text == "*",
        text,
    });
    fields
}
