//! The connection settings: URL over variables over defaults, `sslmode`, the password file,
//! without a server and without touching the process environment.

use std::time::Duration;

use tokio_postgres::config::Host;

use super::*;

/// A self-signed certificate for `db.test` (EC P-256, valid until 2126), as a CA file.
const CERTIFICATE: &str = "-----BEGIN CERTIFICATE-----
MIIBezCCASGgAwIBAgIUCnJlrTeFcx47/+18byJOaL9d6kswCgYIKoZIzj0EAwIw
EjEQMA4GA1UEAwwHZGIudGVzdDAgFw0yNjEyMDcwMjM3NDJaGA8yMTI2MTExMzAy
Mzc0MlowEjEQMA4GA1UEAwwHZGIudGVzdDBZMBMGByqGSM49AgEGCCqGSM49AwEH
A0IABBQDDpzrTCVjVFycjv3GV4K2Cyu1OkA43/snUqeRvNPdKyNmEyUHNg5w7zj5
xonRfrKlsIb4H9qJK2m9FiPEL3KjUzBRMB0GA1UdDgQWBBSmAbOxVg0z+S6Ibe9V
1MQ4isIXhTAfBgNVHSMEGDAWgBSmAbOxVg0z+S6Ibe9V1MQ4isIXhTAPBgNVHRMB
Af8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIEKcm9N4qV3dX5mhJfLODdz6gjRh
vmCoyQQ46TO1FimHAiEA5iCN0+pBlUflYVZS0EEAYbmBVQbLCzL7AEfTy1SELGI=
-----END CERTIFICATE-----
";

/// An environment holding only `vars`.
fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

fn settings_in(url: &str, vars: &[(&str, &str)]) -> Settings {
    settings(url, &env(vars)).expect("valid settings")
}

fn tcp_hosts(config: &Config) -> Vec<String> {
    config
        .get_hosts()
        .iter()
        .map(|h| match h {
            Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            Host::Unix(path) => format!("unix:{}", path.display()),
        })
        .collect()
}

#[test]
fn passwords_never_reach_messages() {
    assert_eq!(
        redacted("postgres://app:s3cret@db.example:5432/calls?sslmode=disable"),
        "postgres://app:***@db.example:5432/calls?sslmode=disable"
    );
    assert_eq!(
        redacted("postgresql://app@db/calls?password=s3cret&application_name=x"),
        "postgresql://app@db/calls?password=***&application_name=x"
    );
    assert_eq!(
        redacted("postgres://127.0.0.1/test"),
        "postgres://127.0.0.1/test"
    );
}

#[test]
fn every_libpq_sslmode_is_read_or_refused_with_what_to_use() {
    for (value, mode, negotiation) in [
        ("disable", SslMode::Disable, "Disable"),
        ("prefer", SslMode::Prefer, "Prefer"),
        ("require", SslMode::Require, "Require"),
        ("verify-ca", SslMode::VerifyCa, "Require"),
        ("verify-full", SslMode::VerifyFull, "Require"),
    ] {
        let parsed = SslMode::parse(value, "the URL").expect(value);
        assert_eq!(parsed, mode);
        assert_eq!(
            format!("{:?}", parsed.negotiation()),
            negotiation,
            "{value}"
        );
    }
    let allow = SslMode::parse("allow", "PGSSLMODE").expect_err("allow");
    assert!(
        allow.starts_with("PGSSLMODE: sslmode=allow is not supported"),
        "{allow}"
    );
    assert!(allow.contains("use prefer"), "{allow}");
    let unknown = SslMode::parse("required", "the URL").expect_err("typo");
    assert!(
        unknown.contains("the URL: unknown sslmode \"required\""),
        "{unknown}"
    );
    assert!(unknown.contains("verify-full"), "{unknown}");
}

#[test]
fn the_url_sslmode_wins_over_pgsslmode_and_prefer_is_the_default() {
    let url = "postgres://app@db/calls?sslmode=verify-full&sslrootcert=/etc/ca.pem";
    let from_url = settings_in(url, &[("PGSSLMODE", "disable")]);
    assert_eq!(from_url.ssl, SslMode::VerifyFull);
    assert_eq!(from_url.rootcert.as_deref(), Some("/etc/ca.pem"));
    assert_eq!(
        format!("{:?}", from_url.config.get_ssl_mode()),
        "Require",
        "tokio-postgres is told TLS is needed"
    );

    let from_env = settings_in(
        "postgres://app@db/calls",
        &[("PGSSLMODE", "require"), ("PGSSLROOTCERT", "/ca.pem")],
    );
    assert_eq!(from_env.ssl, SslMode::Require);
    assert_eq!(from_env.rootcert.as_deref(), Some("/ca.pem"));

    let default = settings_in("postgres://app@db/calls", &[]);
    assert_eq!(default.ssl, SslMode::Prefer);
    assert_eq!(default.rootcert, None);
}

#[test]
fn parameters_read_here_are_taken_out_and_the_rest_are_kept_as_written() {
    let url = Url::split(
        "postgres://app:p%40ss@db:5433/calls?sslmode=require&options=-c%20search_path%3Ds1&sslrootcert=%2Ftmp%2Fca%20file.pem",
    )
    .expect("valid");
    assert_eq!(url.prefix, "postgres://app:p%40ss@");
    assert_eq!(url.hosts, "db:5433");
    assert_eq!(url.tail, "/calls?options=-c%20search_path%3Ds1");
    assert_eq!(url.sslmode.as_deref(), Some("require"));
    assert_eq!(url.sslrootcert.as_deref(), Some("/tmp/ca file.pem"));
    assert!(url.gives_port && url.gives_host);

    let bare = Url::split("postgresql://db/calls?sslmode=disable").expect("valid");
    assert_eq!(bare.with_ports(&[]).expect("url"), "postgresql://db/calls");
    assert!(!bare.gives_port);

    let refused = Url::split("postgres://db/calls?sslcert=/me.pem").expect_err("client cert");
    assert!(refused.contains("sslcert is not supported"), "{refused}");
    let not_postgres = Url::split("mysql://db/calls").expect_err("scheme");
    assert!(not_postgres.contains("postgres://user@host:port/database"));
}

#[test]
fn a_port_is_seen_in_a_host_list_with_ipv6_or_as_a_parameter() {
    assert!(has_port("db:5433"));
    assert!(has_port("[::1]:5433"));
    assert!(!has_port("[::1]"));
    assert!(!has_port("db"));
    assert!(
        Url::split("postgres://a,b:5433/x")
            .expect("valid")
            .gives_port
    );
    assert!(
        Url::split("postgres:///x?port=5433")
            .expect("valid")
            .gives_port
    );
    assert!(
        !Url::split("postgres:///x?host=db")
            .expect("valid")
            .gives_port
    );
    assert!(
        Url::split("postgres:///x?host=db")
            .expect("valid")
            .gives_host
    );
}

#[test]
fn what_the_url_says_wins_over_every_variable() {
    let vars = [
        ("PGHOST", "env-host"),
        ("PGPORT", "6000"),
        ("PGUSER", "env-user"),
        ("PGDATABASE", "env-db"),
        ("PGPASSWORD", "env-secret"),
        ("PGCONNECT_TIMEOUT", "30"),
        ("PGAPPNAME", "env-app"),
    ];
    let s = settings_in(
        "postgres://app:url-secret@db:5433/calls?connect_timeout=7&application_name=url-app",
        &vars,
    );
    assert_eq!(tcp_hosts(&s.config), ["db"]);
    assert_eq!(s.config.get_ports(), [5433]);
    assert_eq!(s.config.get_user(), Some("app"));
    assert_eq!(s.config.get_dbname(), Some("calls"));
    assert_eq!(s.config.get_password(), Some(&b"url-secret"[..]));
    assert_eq!(
        s.config.get_connect_timeout(),
        Some(&Duration::from_secs(7))
    );
    assert_eq!(s.config.get_application_name(), Some("url-app"));
}

#[test]
fn an_empty_url_takes_everything_from_the_variables() {
    let s = settings_in(
        "postgres://",
        &[
            ("PGHOST", "db1,db2"),
            ("PGPORT", "5433,5434"),
            ("PGUSER", "app"),
            ("PGDATABASE", "calls"),
            ("PGPASSWORD", "s3cret"),
            ("PGCONNECT_TIMEOUT", "12"),
            ("PGAPPNAME", "sb-east"),
        ],
    );
    assert_eq!(tcp_hosts(&s.config), ["db1", "db2"]);
    assert_eq!(s.config.get_ports(), [5433, 5434]);
    assert_eq!(s.config.get_user(), Some("app"));
    assert_eq!(s.config.get_dbname(), Some("calls"));
    assert_eq!(s.config.get_password(), Some(&b"s3cret"[..]));
    assert_eq!(
        s.config.get_connect_timeout(),
        Some(&Duration::from_secs(12))
    );
    assert_eq!(s.config.get_application_name(), Some("sb-east"));
    // Messages name where the connection goes, which the URL alone no longer says.
    assert_eq!(target(&s.config), "postgres://app@db1:5433/calls");
}

#[test]
fn with_no_url_values_and_no_variables_the_defaults_apply() {
    let s = settings_in("postgres://", &[]);
    assert_eq!(tcp_hosts(&s.config), ["localhost"]);
    assert!(s.config.get_ports().is_empty(), "tokio-postgres' 5432");
    assert_eq!(
        s.config.get_user(),
        None,
        "the process's user, found when connecting"
    );
    assert_eq!(
        s.config.get_dbname(),
        None,
        "the server's default: the user's"
    );
    assert_eq!(s.config.get_password(), None);
    assert_eq!(s.config.get_connect_timeout(), Some(&CONNECT_TIMEOUT));
    assert_eq!(s.config.get_application_name(), Some("switchboard"));
}

#[test]
fn pgport_reaches_url_hosts_that_give_no_port_but_not_those_that_do() {
    let one = settings_in("postgres://app@a,b/calls", &[("PGPORT", "6432")]);
    assert_eq!(tcp_hosts(&one.config), ["a", "b"]);
    assert_eq!(one.config.get_ports(), [6432, 6432]);

    let each = settings_in("postgres://app@a,[::1]/calls", &[("PGPORT", "6432,6433")]);
    assert_eq!(each.config.get_ports(), [6432, 6433]);

    let given = settings_in("postgres://app@a:5433,b/calls", &[("PGPORT", "6432")]);
    assert_eq!(given.config.get_ports(), [5433, 5432]);

    let param = settings_in(
        "postgres://app@/calls?host=a&port=5433",
        &[("PGPORT", "6432")],
    );
    assert_eq!(param.config.get_ports(), [5433]);
}

#[test]
fn a_unix_socket_directory_in_pghost_is_a_socket() {
    let s = settings_in("postgres:///calls", &[("PGHOST", "/var/run/postgresql")]);
    assert_eq!(tcp_hosts(&s.config), ["unix:/var/run/postgresql"]);
    assert_eq!(pass_key(&s.config).host, "localhost");
}

#[test]
fn an_empty_variable_counts_as_unset() {
    let s = settings_in(
        "postgres://",
        &[
            ("PGHOST", ""),
            ("PGPORT", ""),
            ("PGUSER", ""),
            ("PGPASSWORD", ""),
            ("PGSSLMODE", ""),
        ],
    );
    assert_eq!(tcp_hosts(&s.config), ["localhost"]);
    assert!(s.config.get_ports().is_empty());
    assert_eq!(
        s.config.get_user(),
        None,
        "the process's user, found when connecting"
    );
    assert_eq!(s.config.get_password(), None);
    assert_eq!(s.ssl, SslMode::Prefer);
}

#[test]
fn a_bad_variable_is_named_with_the_fix() {
    let bad =
        |vars: &[(&str, &str)]| settings("postgres://app@db/calls", &env(vars)).expect_err("bad");
    let port = bad(&[("PGPORT", "fivefourthreetwo")]);
    assert!(
        port.contains("PGPORT=fivefourthreetwo is not a port number"),
        "{port}"
    );
    let ports = bad(&[("PGPORT", "1,2,3")]);
    assert!(
        ports.contains("PGPORT lists 3 ports for the URL's 1 hosts"),
        "{ports}"
    );
    let timeout = bad(&[("PGCONNECT_TIMEOUT", "soon")]);
    assert!(
        timeout.contains("PGCONNECT_TIMEOUT=soon is not a number of seconds"),
        "{timeout}"
    );
    let mode = bad(&[("PGSSLMODE", "on")]);
    assert!(mode.starts_with("PGSSLMODE: unknown sslmode"), "{mode}");
    // A timeout of 0 (libpq's "forever") keeps Switchboard's bound.
    let zero = settings_in("postgres://app@db/calls", &[("PGCONNECT_TIMEOUT", "0")]);
    assert_eq!(zero.config.get_connect_timeout(), Some(&CONNECT_TIMEOUT));
}

#[test]
fn the_connector_follows_the_sslmode() {
    assert!(tls(SslMode::Disable, None).expect("plain").is_none());
    assert!(tls(SslMode::Prefer, None).expect("prefer").is_some());
    assert!(tls(SslMode::Require, None).expect("public roots").is_some());
    assert!(
        tls(SslMode::VerifyFull, Some("system"))
            .expect("public roots")
            .is_some()
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, CERTIFICATE).expect("write");
    let ca = ca.to_str().expect("utf-8 path");
    assert!(tls(SslMode::VerifyCa, Some(ca)).expect("own CA").is_some());
    assert!(tls(SslMode::Require, Some(ca)).expect("own CA").is_some());
    assert_eq!(roots(Some(ca)).expect("roots").len(), 1);
}

#[test]
fn verify_ca_without_a_root_file_is_refused_and_says_why() {
    for rootcert in [None, Some("system")] {
        let message = tls(SslMode::VerifyCa, rootcert).expect_err("no CA");
        assert!(message.contains("verify-ca needs sslrootcert"), "{message}");
        assert!(message.contains("public roots would accept"), "{message}");
    }
}

#[test]
fn an_unusable_root_file_is_named() {
    let missing = tls(SslMode::Require, Some("/nonexistent/ca.pem")).expect_err("missing");
    assert!(
        missing.starts_with("cannot read sslrootcert /nonexistent/ca.pem"),
        "{missing}"
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").expect("write");
    let empty = empty.to_str().expect("utf-8 path");
    let message = tls(SslMode::VerifyFull, Some(empty)).expect_err("no certificate");
    assert!(
        message.contains("it holds no usable certificate"),
        "{message}"
    );
}

fn key(host: &str, port: u16, database: &str, user: &str) -> PassKey {
    PassKey {
        host: host.to_owned(),
        port,
        database: database.to_owned(),
        user: user.to_owned(),
    }
}

#[test]
fn the_first_matching_password_file_line_wins_and_stars_match_anything() {
    let file = "\
# comment:with:colons:and:a password
db.internal:5432:calls:app:first
db.internal:5432:calls:app:second
*:*:*:app:any-app
db.internal:*:*:*:any-on-db
short:line
";
    let find = |k: PassKey| pgpass_lookup(file, &k);
    assert_eq!(
        find(key("db.internal", 5432, "calls", "app")).as_deref(),
        Some("first")
    );
    assert_eq!(
        find(key("other", 6432, "x", "app")).as_deref(),
        Some("any-app")
    );
    assert_eq!(
        find(key("db.internal", 6432, "x", "ops")).as_deref(),
        Some("any-on-db")
    );
    assert_eq!(find(key("other", 5432, "calls", "ops")), None);
    assert_eq!(
        find(key("short", 0, "line", "")),
        None,
        "short lines are skipped"
    );
}

#[test]
fn password_file_escapes_are_undone_and_an_escaped_star_is_literal() {
    let file = "\
host\\:with\\:colons:5432:calls:app:p\\:ss\\\\word\r
\\*:5432:calls:app:literal-star
";
    assert_eq!(
        pgpass_lookup(file, &key("host:with:colons", 5432, "calls", "app")).as_deref(),
        Some("p:ss\\word"),
        "\\: and \\\\ in fields and password, and a CRLF line end"
    );
    assert_eq!(
        pgpass_lookup(file, &key("*", 5432, "calls", "app")).as_deref(),
        Some("literal-star")
    );
    assert_eq!(
        pgpass_lookup(file, &key("anyhost", 5432, "calls", "app")),
        None
    );
    // The password ends at the next unescaped colon, as libpq reads it.
    assert_eq!(
        pgpass_lookup("h:1:d:u:pw:extra\n", &key("h", 1, "d", "u")).as_deref(),
        Some("pw")
    );
}

#[test]
fn the_password_file_key_is_the_first_host_its_port_and_the_database_or_user() {
    let s = settings_in("postgres://app@db1:5433,db2/calls", &[]);
    assert_eq!(pass_key(&s.config), key("db1", 5433, "calls", "app"));
    let s = settings_in("postgres://app@db", &[]);
    assert_eq!(pass_key(&s.config), key("db", 5432, "app", "app"));
}

#[cfg(unix)]
#[test]
fn a_password_file_others_can_read_is_ignored() {
    use std::os::unix::fs::PermissionsExt;

    assert!(!too_open(0o100600));
    assert!(!too_open(0o100400));
    assert!(too_open(0o100640));
    assert!(too_open(0o100604));

    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("pgpass");
    std::fs::write(&file, "db:5432:calls:app:s3cret\n").expect("write");
    let path = file.to_str().expect("utf-8 path");
    let k = key("db", 5432, "calls", "app");
    let vars = env(&[("PGPASSFILE", path), ("HOME", "/nonexistent")]);

    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    assert_eq!(password_from_file(&vars, &k).as_deref(), Some("s3cret"));

    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    assert_eq!(password_from_file(&vars, &k), None);
}

#[cfg(unix)]
#[test]
fn the_password_file_is_pgpassfile_or_dot_pgpass_in_home() {
    use std::os::unix::fs::PermissionsExt;

    let home = tempfile::tempdir().expect("temp dir");
    let file = home.path().join(".pgpass");
    std::fs::write(&file, "*:*:*:*:from-home\n").expect("write");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let home = home.path().to_str().expect("utf-8 path");
    let k = key("db", 5432, "calls", "app");

    assert_eq!(
        password_from_file(&env(&[("HOME", home)]), &k).as_deref(),
        Some("from-home")
    );
    // PGPASSFILE wins, even when it names no file.
    assert_eq!(
        password_from_file(&env(&[("HOME", home), ("PGPASSFILE", "/nonexistent")]), &k),
        None
    );
    // A directory is not a password file.
    assert_eq!(password_from_file(&env(&[("PGPASSFILE", home)]), &k), None);
    assert_eq!(password_from_file(&env(&[]), &k), None);
}
