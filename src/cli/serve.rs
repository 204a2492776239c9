//! `switchboard serve`: the checks made before the port opens, the server, its shutdown, and
//! the reloading of edited flows while it runs.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use super::{FlowsArg, load_flows};
use crate::http::admin::AdminToken;
use crate::http::{self, AppState, Auth};
use crate::runner::{Runner, RunnerOptions};
use crate::signature::AuthToken;
use crate::store::{self, Db, Store, StoreOptions};
use crate::webhook::UrlMap;

/// `switchboard serve`'s settings.
#[derive(Debug, clap::Args)]
pub(super) struct ServeArgs {
    /// Address to listen on: IP:PORT, HOST:PORT (localhost:8092) or a bare port (8092, on
    /// 127.0.0.1).
    #[arg(long, env = "SWITCHBOARD_LISTEN", default_value = "127.0.0.1:8080", value_parser = listen_address)]
    listen: SocketAddr,
    #[command(flatten)]
    flows: FlowsArg,
    /// Where calls are kept: a SQLite file (created if missing), or postgres://user@host/db for
    /// several servers on one PostgreSQL database (what the URL leaves out from the PG*
    /// variables; the password from PGPASSWORD or ~/.pgpass, never the command line).
    #[arg(long, env = "SWITCHBOARD_DB", default_value = "switchboard.db")]
    db: Db,
    /// File holding the Twilio auth token; the TWILIO_AUTH_TOKEN environment variable works
    /// too. With a token, every webhook must carry a valid X-Twilio-Signature.
    #[arg(long)]
    auth_token_file: Option<PathBuf>,
    /// The public base URL Twilio calls (https://bot.example.com), needed to check
    /// signatures behind a proxy or tunnel.
    #[arg(long, env = "SWITCHBOARD_PUBLIC_URL")]
    public_url: Option<String>,
    /// Call web services under another address: FROM=TO replaces the URL prefix FROM with
    /// TO (e.g. a migrated bot's Twilio Functions URL with your own server). Repeatable.
    #[arg(long = "map-url", value_name = "FROM=TO")]
    map_url: Vec<UrlMap>,
    /// Refuse to start without an auth token, so a misconfigured deployment never runs open.
    #[arg(long)]
    require_signature: bool,
    /// Delete callers' answers and call history older than this many days, as the server
    /// runs (`switchboard purge` does it on demand).
    #[arg(long, env = "SWITCHBOARD_RETENTION_DAYS", value_name = "DAYS")]
    retention_days: Option<u32>,
    /// File holding the admin token for GET /admin/collected and GET /metrics (or set
    /// SWITCHBOARD_ADMIN_TOKEN). Without one, no admin route exists.
    #[arg(long)]
    admin_token_file: Option<PathBuf>,
    /// Also serve GET /metrics (Prometheus' text format) on this address, WITHOUT the admin
    /// token: for a private network or loopback only. It serves nothing else.
    #[arg(long, env = "SWITCHBOARD_METRICS_LISTEN", value_name = "ADDR", value_parser = listen_address)]
    metrics_listen: Option<SocketAddr>,
    /// Most turns committed to the database in one transaction (group commit); 1 commits and
    /// syncs each turn on its own.
    #[arg(long, default_value_t = store::MAX_BATCH, value_parser = clap::value_parser!(u16).range(1..=1024))]
    max_batch: u16,
    /// With PostgreSQL: most connections this server opens (a turn holds one for a few
    /// milliseconds; every server's count comes out of PostgreSQL's max_connections).
    #[arg(long, default_value_t = store::POOL_SIZE, value_parser = clap::value_parser!(u16).range(1..=1024))]
    db_connections: u16,
    /// With PostgreSQL behind a connection pooler in transaction mode that does not keep
    /// prepared statements (PgBouncer before 1.21): send each statement unprepared. It costs
    /// the database about 60% more CPU per turn (BENCHMARKS.md); not needed directly on
    /// PostgreSQL, nor with PgBouncer 1.21+ and max_prepared_statements set.
    #[arg(long)]
    db_no_prepared_statements: bool,
    /// Also answer POST /bench/fixed with a fixed TwiML document (no engine, no database): the
    /// baseline `switchboard bench` measures whole turns against.
    #[arg(long)]
    baseline_route: bool,
    /// Seconds a new connection has to send a complete request head before it is closed.
    #[arg(long, env = "SWITCHBOARD_HEADER_TIMEOUT", value_name = "SECS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=3600))]
    header_timeout: u64,
    /// Seconds from a request's head to the end of its body; a slower body gets a 408.
    #[arg(long, env = "SWITCHBOARD_REQUEST_TIMEOUT", value_name = "SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    request_timeout: u64,
    /// Seconds a keep-alive connection may wait for its next request before it is closed.
    #[arg(long, env = "SWITCHBOARD_IDLE_TIMEOUT", value_name = "SECS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=3600))]
    idle_timeout: u64,
    /// Most connections open at once (default: the open-files limit less a reserve for the
    /// database, the log and web service calls).
    #[arg(long, env = "SWITCHBOARD_MAX_CONNECTIONS", value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    max_connections: Option<u64>,
}

/// The admin token from `--admin-token-file` or `SWITCHBOARD_ADMIN_TOKEN`, if any.
fn admin_token(file: Option<&Path>) -> Result<Option<AdminToken>, String> {
    let token = match file {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the admin token file {}: {e}", path.display()))?,
        ),
        None => std::env::var("SWITCHBOARD_ADMIN_TOKEN").ok(),
    };
    Ok(token.as_deref().and_then(AdminToken::new))
}

/// The signature settings from `--auth-token-file` or `TWILIO_AUTH_TOKEN`, and `--public-url`.
fn auth(token_file: Option<&Path>, public_url: Option<&str>) -> Result<Option<Auth>, String> {
    let token = match token_file {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the auth token file {}: {e}", path.display()))?,
        ),
        None => std::env::var("TWILIO_AUTH_TOKEN").ok(),
    };
    let Some(token) = token.filter(|t| !t.trim().is_empty()) else {
        return Ok(None);
    };
    let Some(url) = public_url else {
        return Err("--public-url is required with an auth token: Twilio signs the exact URL it calls (e.g. --public-url https://bot.example.com)".into());
    };
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(format!(
            "--public-url {url:?} must start with https:// or http://"
        ));
    }
    Ok(Some(Auth {
        token: AuthToken::new(&token),
        public_url: url.trim_end_matches('/').to_owned(),
    }))
}

pub(super) fn serve(args: &ServeArgs) -> Result<ExitCode, String> {
    let started = std::time::Instant::now();
    // Everything that can be wrong with the configuration is found before the port opens: the
    // server never starts half-configured.
    let auth = auth(args.auth_token_file.as_deref(), args.public_url.as_deref())?;
    if args.require_signature && auth.is_none() {
        return Err(
            "--require-signature: set TWILIO_AUTH_TOKEN (or --auth-token-file) and --public-url"
                .into(),
        );
    }
    let admin = admin_token(args.admin_token_file.as_deref())?;
    let (assistant, source) = load_flows(&args.flows)?;
    let store_options = StoreOptions {
        retention: args
            .retention_days
            .map(|d| chrono::Duration::days(i64::from(d))),
        max_batch: usize::from(args.max_batch),
        pool_size: usize::from(args.db_connections),
        prepared_statements: !args.db_no_prepared_statements,
        ..StoreOptions::default()
    };
    let db = &args.db;
    let listen = args.listen;
    // Held until serve returns: one server per SQLite file (see store::lock). Several servers
    // may share a PostgreSQL database: it is the only truth they keep.
    let _lock = match db.sqlite_path() {
        Some(path) => Some(store::lock::ServerLock::acquire(path).map_err(|e| e.to_string())?),
        None => None,
    };
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async move {
        let store = Store::connect(db, store_options).await.map_err(|e| e.to_string())?;
        // Before the port opens: a SIGHUP that arrives as soon as the server listens must reload,
        // not end the process (the default for a signal nobody handles).
        let hangups = crate::reload::hangups();
        let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| format!("cannot listen on {listen}: {e}"))?;
        let address = listener.local_addr().map_err(|e| e.to_string())?;
        match &auth {
            Some(auth) => tracing::info!("checking Twilio signatures against {}", auth.public_url),
            None => tracing::warn!(
                "TWILIO_AUTH_TOKEN is not set: webhook signatures are NOT checked, so anyone who can reach {address} can drive calls. Fine on a laptop; set it (with --public-url) before exposing the server."
            ),
        }
        for warning in &assistant.warnings {
            tracing::warn!("{warning}");
        }
        tracing::info!(
            "matcher declines below confidence {:.3} ({})",
            assistant.matcher.threshold(),
            assistant.matcher.threshold_origin()
        );
        if let Some(semantics) = assistant.matcher.semantics() {
            tracing::info!(
                "semantic matching on: model {}; a turn waits at most {} ms for it, then routes on the strings alone",
                semantics.model().dir().display(),
                crate::runner::SEMANTIC_BUDGET.as_millis()
            );
        }
        tracing::info!(
            "switchboard listening on http://{address} with {} tasks from {source}, database {} (ready in {} ms)",
            assistant.tasks.len(),
            store.describe(),
            started.elapsed().as_millis()
        );
        let options = RunnerOptions {
            token: auth.as_ref().map(|a| a.token.clone()),
            url_map: args.map_url.clone(),
            semantic_budget: Some(crate::runner::SEMANTIC_BUDGET),
            // The continuation route is served: slow web services put calls on hold.
            holds: true,
            ..RunnerOptions::default()
        };
        let model = assistant.matcher.semantics().map(|s| Arc::clone(s.model()));
        let version = assistant.version.clone();
        let runner = Runner::new(Arc::new(assistant), store, options)?;
        // The built-in flows cannot be edited; a folder or an export on disk can, while calls go on.
        match args.flows.folder() {
            Some(path) => {
                tracing::info!(
                    "flows version {version}; watching {} for edits (or send SIGHUP): new calls get an edit once it loads without errors",
                    path.display()
                );
                let source = crate::reload::Source { path, model };
                tokio::spawn(crate::reload::watch(source, Arc::clone(runner.versions()), hangups));
            }
            None => {
                tracing::info!("flows version {version} (built in: nothing to watch)");
                tokio::spawn(crate::reload::ignore_hangups(hangups));
            }
        }
        if admin.is_some() {
            tracing::info!("admin API on: GET /admin/collected and GET /metrics with the admin bearer token");
        }
        let metrics = crate::metrics::Metrics::install()?;
        let mut state = AppState::with_admin(runner, auth, admin)
            .with_metrics(metrics)
            .with_public_url(args.public_url.as_deref());
        if let Some(address) = args.metrics_listen {
            let listener = tokio::net::TcpListener::bind(address).await.map_err(|e| format!("cannot listen on {address} for --metrics-listen: {e}"))?;
            let bound = listener.local_addr().map_err(|e| e.to_string())?;
            if !bound.ip().is_loopback() {
                tracing::warn!("metrics are served WITHOUT a token on http://{bound}/metrics: keep that address on a private network");
            }
            tracing::info!("metrics listening on http://{bound}/metrics");
            let router = http::metrics_router(state.clone());
            // Ends with the runtime, when the main server has stopped.
            tokio::spawn(async move {
                if let Err(e) = http::server::serve(listener, router, http::server::Limits::default(), std::future::pending()).await {
                    tracing::error!(error = %e, "the metrics listener failed");
                }
            });
        }
        if args.baseline_route {
            tracing::info!("baseline route on: POST /bench/fixed answers fixed TwiML");
            state = state.with_baseline_route();
        }
        let limits = http::server::Limits {
            header_timeout: std::time::Duration::from_secs(args.header_timeout),
            request_timeout: std::time::Duration::from_secs(args.request_timeout),
            idle_timeout: std::time::Duration::from_secs(args.idle_timeout),
            max_connections: args.max_connections.map_or_else(http::server::default_max_connections, |n| usize::try_from(n).unwrap_or(usize::MAX)),
        };
        tracing::info!(
            "connections: at most {}, request head within {} s, body within {} s, idle keep-alive {} s",
            limits.max_connections, args.header_timeout, args.request_timeout, args.idle_timeout
        );
        http::serve_with(listener, state, limits, shutdown_signal()).await.map_err(|e| format!("server failed: {e}"))?;
        tracing::info!("switchboard stopped");
        Ok(ExitCode::SUCCESS)
    })
}

/// An address to listen on as people write one: `127.0.0.1:8080`, `[::1]:8080`,
/// `localhost:8092` (the host looked up, its first address taken) or a bare port (`8092`,
/// on loopback: the safe default, as for `serve` with no `--listen`).
fn listen_address(text: &str) -> Result<SocketAddr, String> {
    use std::net::ToSocketAddrs;
    if let Ok(address) = text.parse::<SocketAddr>() {
        return Ok(address);
    }
    if let Ok(port) = text.parse::<u16>() {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    let Some((host, port)) = text.rsplit_once(':') else {
        return Err(format!(
            "expected an address like 127.0.0.1:8080, localhost:8080 or a port like 8080, got {text:?}"
        ));
    };
    let port: u16 = port
        .parse()
        .map_err(|_| format!("{port:?} is not a port number (0-65535) in {text:?}"))?;
    let mut addresses = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot find the host {host:?}: {e}"))?;
    addresses
        .next()
        .ok_or_else(|| format!("the host {host:?} has no address"))
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listen_address_may_be_a_host_and_port_or_a_bare_port() {
        let loopback = |port| SocketAddr::from(([127, 0, 0, 1], port));
        assert_eq!(listen_address("127.0.0.1:8080"), Ok(loopback(8080)));
        assert_eq!(listen_address("8092"), Ok(loopback(8092)));
        assert_eq!(
            listen_address("[::1]:8092"),
            Ok("[::1]:8092".parse().expect("an address"))
        );
        let local = listen_address("localhost:8092").expect("localhost resolves");
        assert!(local.ip().is_loopback() && local.port() == 8092, "{local}");
        for (bad, says) in [
            ("localhost", "expected an address like"),
            ("localhost:http", "is not a port number"),
            ("127.0.0.1:70000", "is not a port number"),
        ] {
            let problem = listen_address(bad).expect_err(bad);
            assert!(problem.contains(says), "{bad}: {problem}");
        }
    }
}
