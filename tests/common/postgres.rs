//! A PostgreSQL database of a test's own: a fresh schema on the test server, dropped when the
//! test ends, so tests run in parallel without seeing each other's calls.
//!
//! The server is `$SWITCHBOARD_TEST_POSTGRES`, or the development machine's
//! (`postgres://postgres@127.0.0.1:5432/test`). Where none answers, a test skips and says so;
//! in CI (`CI=true`) it fails instead: there, a missing server is a broken build.

use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

use tokio_postgres::NoTls;

/// The server tests use unless told otherwise.
pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A schema of the test's own; `url` reaches it (its `search_path` is the schema).
pub struct Schema {
    pub url: String,
    base: String,
    name: String,
}

impl Schema {
    /// A new empty schema, or None (having said why) when there is no server outside CI.
    pub async fn new() -> Option<Schema> {
        let base =
            std::env::var("SWITCHBOARD_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_URL.into());
        let client = match connect(&base).await {
            Ok(client) => client,
            Err(e) if std::env::var("CI").as_deref() == Ok("true") => {
                panic!("CI needs PostgreSQL at {base} for these tests: {e}")
            }
            Err(e) => {
                eprintln!(
                    "skipped: no PostgreSQL at {base} ({e}); start one or set SWITCHBOARD_TEST_POSTGRES to run the PostgreSQL tests"
                );
                return None;
            }
        };
        static CLEANED: std::sync::Once = std::sync::Once::new();
        let mut first = false;
        CLEANED.call_once(|| first = true);
        if first {
            drop_leftovers(&client).await;
        }
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!(
            "sbtest_{}_{}_{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        client
            .batch_execute(&format!("CREATE SCHEMA {name}"))
            .await
            .expect("create the test's schema");
        let sep = if base.contains('?') { '&' } else { '?' };
        Some(Schema {
            url: format!("{base}{sep}options=-c%20search_path%3D{name}"),
            base,
            name,
        })
    }

    /// The server's TCP address, for a relay in front of it ([`super::proxy::Proxy`]).
    pub async fn server_addr(&self) -> std::net::SocketAddr {
        let config: tokio_postgres::Config = self.url.parse().expect("the test URL parses");
        let host = match config.get_hosts().first() {
            Some(tokio_postgres::config::Host::Tcp(host)) => host.clone(),
            other => panic!("the test server must be reached over TCP, not {other:?}"),
        };
        let port = config.get_ports().first().copied().unwrap_or(5432);
        tokio::net::lookup_host((host.as_str(), port))
            .await
            .expect("resolve the test server")
            .next()
            .expect("an address")
    }

    /// The schema's URL with the server's host and port replaced by `addr`.
    pub fn url_via(&self, addr: std::net::SocketAddr) -> String {
        let (scheme, rest) = self.url.split_once("://").expect("a URL");
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let user = authority
            .rsplit_once('@')
            .map_or(String::new(), |(user, _)| format!("{user}@"));
        format!("{scheme}://{user}{addr}{tail}")
    }

    /// A plain connection to the schema, for looking at what the store wrote.
    pub async fn client(&self) -> tokio_postgres::Client {
        connect(&self.url)
            .await
            .expect("connect to the test schema")
    }
}

async fn connect(url: &str) -> Result<tokio_postgres::Client, String> {
    let attempt = tokio_postgres::connect(url, NoTls);
    let (client, connection) = tokio::time::timeout(std::time::Duration::from_secs(5), attempt)
        .await
        .map_err(|_| "no answer within 5 s".to_owned())?
        .map_err(|e| e.to_string())?;
    tokio::spawn(connection);
    Ok(client)
}

impl Drop for Schema {
    fn drop(&mut self) {
        // On a thread of its own, not waited for: the test's runtime may be the one dropping
        // this, and its connections must go on running (and let go of their locks) for the
        // schema to be dropped. Whatever a test run leaves behind, the next one removes.
        let (base, name) = (self.base.clone(), self.name.clone());
        std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async {
                if let Ok(client) = connect(&base).await {
                    let _ = client
                        .batch_execute(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"))
                        .await;
                }
            });
        });
    }
}

/// Drops the schemas of test processes that are no longer running.
async fn drop_leftovers(client: &tokio_postgres::Client) {
    let Ok(rows) = client
        .query(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'sbtest\\_%'",
            &[],
        )
        .await
    else {
        return;
    };
    for row in rows {
        let name: String = row.get(0);
        let pid = name.split('_').nth(1).unwrap_or_default();
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = client
                .batch_execute(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"))
                .await;
        }
    }
}
