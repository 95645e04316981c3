//! Where the journal lives: a libpq connection URL
//! (`postgres://user:password@host:port/dbname?param=value`, also
//! `postgresql://`), read into a connection config, a TLS mode and the schema
//! that holds wacast's tables.
//!
//! The schema comes from the `schema` parameter, else from the first entry of
//! `options=-csearch_path=…`, else it is `wacast`; both given and different is
//! an error. Every table is created in that schema, so the database user needs
//! rights on it alone (a schema that already exists is never created again).
//!
//! The password is never shown: `Display` and `Debug` print `***` in its place
//! and every error names the URL masked.

use super::pg_tls;
use percent_encoding::percent_decode_str;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// The schema used when the URL names none.
pub const DEFAULT_SCHEMA: &str = "wacast";

/// How TLS is used, as libpq's `sslmode`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SslMode {
    /// Plain TCP.
    Disable,
    /// TLS when the server offers it, the certificate unchecked; plain otherwise.
    #[default]
    Prefer,
    /// TLS always, the certificate unchecked (as libpq without a root certificate).
    Require,
    /// TLS, the certificate chain checked against the roots, not the host name.
    VerifyCa,
    /// TLS, the chain and the host name checked.
    VerifyFull,
}

impl SslMode {
    const NAMES: &str = "`disable`, `prefer`, `require`, `verify-ca` or `verify-full`";

    fn parse(text: &str) -> Option<SslMode> {
        Some(match text {
            "disable" => SslMode::Disable,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// A URL that cannot be used, naming the (masked) URL and the field at fault.
#[derive(Debug, thiserror::Error)]
#[error("the journal URL `{url}` has a bad {field}: {problem}")]
pub struct LocationError {
    pub url: String,
    pub field: &'static str,
    pub problem: String,
}

/// A parsed journal URL.
#[derive(Clone)]
pub struct PgLocation {
    config: postgres::Config,
    ssl_mode: SslMode,
    root_cert: Option<PathBuf>,
    schema: String,
    masked: String,
}

impl PgLocation {
    pub fn parse(url: &str) -> Result<PgLocation, LocationError> {
        let masked = mask(url);
        let fail = |field: &'static str, problem: String| LocationError {
            url: masked.clone(),
            field,
            problem,
        };
        let rest = url
            .strip_prefix("postgres://")
            .or_else(|| url.strip_prefix("postgresql://"))
            .ok_or_else(|| {
                fail(
                    "scheme",
                    "it must start with `postgres://` or `postgresql://`".into(),
                )
            })?;
        let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (userinfo, hosts) = authority.rsplit_once('@').unwrap_or(("", authority));
        let mut parts = Parts::default();
        if !userinfo.is_empty() {
            let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
            parts.user = Some(decode(user).map_err(|p| fail("user", p))?);
            if userinfo.contains(':') {
                parts.password = Some(decode(password).map_err(|_| {
                    fail("password", "it is not valid percent-encoded UTF-8".into())
                })?);
            }
        }
        parse_hosts(hosts, &mut parts).map_err(|(field, problem)| fail(field, problem))?;
        if !path.is_empty() {
            parts.dbname = Some(decode(path).map_err(|p| fail("dbname", p))?);
        }
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = decode(value).map_err(|p| fail("query", p))?;
            parts
                .param(key, value)
                .map_err(|(field, problem)| fail(field, problem))?;
        }
        parts.into_location(masked.clone(), &fail)
    }

    /// The schema holding wacast's tables.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    pub fn ssl_mode(&self) -> SslMode {
        self.ssl_mode
    }

    /// The URL with its password replaced by `***`.
    pub fn masked(&self) -> &str {
        &self.masked
    }

    /// The same database with another schema (tests give each a schema of its own).
    pub fn with_schema(&self, schema: &str) -> Result<PgLocation, LocationError> {
        check_schema(schema).map_err(|problem| LocationError {
            url: self.masked.clone(),
            field: "schema",
            problem,
        })?;
        let mut location = self.clone();
        location.schema = schema.to_owned();
        Ok(location)
    }

    /// Opens a connection, TLS as `sslmode` says, `search_path` set to the schema.
    pub fn connect(&self) -> super::Result<postgres::Client> {
        let failed = |error| super::JournalError::Connect {
            location: self.masked.clone(),
            detail: super::describe(&error),
            error,
        };
        let tls =
            pg_tls::connector(self.ssl_mode, self.root_cert.as_deref()).map_err(|problem| {
                LocationError {
                    url: self.masked.clone(),
                    field: "sslrootcert",
                    problem,
                }
            })?;
        let mut client = self.config.connect(tls).map_err(failed)?;
        // Every statement is planned for the parameters it runs with: apply
        // prepares its statements while staging has published its first
        // chunk, and a plan the server cached for that small table (read
        // the whole campaign into a hash, then join) would be kept while
        // the table grows to every recipient, costing a read of the whole
        // campaign per commit (296 recipients/s at 200,000, against 9,343/s
        // planned each time). Planning a statement costs far less than its
        // round trip. https://www.postgresql.org/docs/current/runtime-config-query.html#GUC-PLAN-CACHE-MODE
        client
            .batch_execute(&format!(
                "SET search_path TO {}; SET wacast.clock_offset = '{} seconds'; \
                 SET plan_cache_mode = force_custom_plan",
                quote_identifier(&self.schema),
                crate::timestamp::clock_offset()
            ))
            .map_err(failed)?;
        Ok(client)
    }
}

impl fmt::Display for PgLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked)
    }
}

impl fmt::Debug for PgLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgLocation")
            .field("url", &self.masked)
            .field("schema", &self.schema)
            .field("ssl_mode", &self.ssl_mode)
            .finish_non_exhaustive()
    }
}

/// The URL's fields as read, before they are checked together.
#[derive(Default)]
struct Parts {
    user: Option<String>,
    password: Option<String>,
    hosts: Vec<String>,
    ports: Vec<u16>,
    dbname: Option<String>,
    ssl_mode: Option<SslMode>,
    root_cert: Option<PathBuf>,
    schema: Option<String>,
    options: Option<String>,
    application_name: Option<String>,
    connect_timeout: Option<Duration>,
}

type FieldProblem = (&'static str, String);

impl Parts {
    fn param(&mut self, key: &str, value: String) -> Result<(), FieldProblem> {
        match key {
            "sslmode" => {
                self.ssl_mode = Some(SslMode::parse(&value).ok_or_else(|| {
                    (
                        "sslmode",
                        format!("`{value}` is not one of {}", SslMode::NAMES),
                    )
                })?);
            }
            "sslrootcert" => self.root_cert = Some(PathBuf::from(value)),
            "schema" => self.schema = Some(value),
            "options" => self.options = Some(value),
            "application_name" => self.application_name = Some(value),
            "user" => self.user = Some(value),
            "password" => self.password = Some(value),
            "dbname" => self.dbname = Some(value),
            "host" => {
                self.hosts = value.split(',').map(str::to_owned).collect();
            }
            "port" => {
                self.ports = value
                    .split(',')
                    .map(|port| parse_port(port).map_err(|p| ("port", p)))
                    .collect::<Result<_, _>>()?;
            }
            "connect_timeout" => {
                let seconds: u64 = value.parse().map_err(|_| {
                    (
                        "connect_timeout",
                        format!("`{value}` is not a number of seconds"),
                    )
                })?;
                self.connect_timeout = Some(Duration::from_secs(seconds));
            }
            _ => {
                return Err(("query", format!("`{key}` is not a parameter wacast knows")));
            }
        }
        Ok(())
    }

    fn into_location(
        self,
        masked: String,
        fail: &dyn Fn(&'static str, String) -> LocationError,
    ) -> Result<PgLocation, LocationError> {
        let schema = self.schema(fail)?;
        check_schema(&schema).map_err(|p| fail("schema", p))?;
        let ssl_mode = self.ssl_mode.unwrap_or_default();
        if self.root_cert.is_some() && matches!(ssl_mode, SslMode::Disable) {
            return Err(fail(
                "sslrootcert",
                "it is given but `sslmode` is `disable`".into(),
            ));
        }
        let mut config = postgres::Config::new();
        config.ssl_mode(match ssl_mode {
            SslMode::Disable => postgres::config::SslMode::Disable,
            SslMode::Prefer => postgres::config::SslMode::Prefer,
            _ => postgres::config::SslMode::Require,
        });
        let user = self.user.clone().or_else(|| std::env::var("USER").ok());
        let user = user.ok_or_else(|| fail("user", "none is given".into()))?;
        config.user(&user);
        if let Some(password) = &self.password {
            config.password(password);
        }
        config.dbname(self.dbname.as_deref().unwrap_or(&user));
        config.application_name(self.application_name.as_deref().unwrap_or("wacast"));
        config.connect_timeout(self.connect_timeout.unwrap_or(Duration::from_secs(10)));
        config.keepalives_idle(Duration::from_secs(30));
        if let Some(options) = &self.options {
            config.options(options);
        }
        self.add_hosts(&mut config, fail)?;
        Ok(PgLocation {
            config,
            ssl_mode,
            root_cert: self.root_cert,
            schema,
            masked,
        })
    }

    fn schema(
        &self,
        fail: &dyn Fn(&'static str, String) -> LocationError,
    ) -> Result<String, LocationError> {
        let from_options = self.options.as_deref().and_then(search_path_of);
        match (&self.schema, from_options) {
            (Some(schema), Some(path)) if *schema != path => Err(fail(
                "schema",
                format!("`{schema}` differs from `search_path={path}` in `options`"),
            )),
            (Some(schema), _) => Ok(schema.clone()),
            (None, Some(path)) => Ok(path),
            (None, None) => Ok(DEFAULT_SCHEMA.to_owned()),
        }
    }

    fn add_hosts(
        &self,
        config: &mut postgres::Config,
        fail: &dyn Fn(&'static str, String) -> LocationError,
    ) -> Result<(), LocationError> {
        let hosts = if self.hosts.is_empty() {
            vec!["localhost".to_owned()]
        } else {
            self.hosts.clone()
        };
        if self.ports.len() > 1 && self.ports.len() != hosts.len() {
            return Err(fail(
                "port",
                format!("{} ports for {} hosts", self.ports.len(), hosts.len()),
            ));
        }
        for host in &hosts {
            if host.starts_with('/') {
                #[cfg(unix)]
                config.host_path(host);
                #[cfg(not(unix))]
                return Err(fail(
                    "host",
                    format!("`{host}` is a socket folder, which this system lacks"),
                ));
            } else {
                config.host(host);
            }
        }
        for port in self
            .ports
            .iter()
            .copied()
            .chain(self.ports.is_empty().then_some(5432))
        {
            config.port(port);
        }
        Ok(())
    }
}

/// `host[:port]`, comma-separated, IPv6 in brackets.
fn parse_hosts(hosts: &str, parts: &mut Parts) -> Result<(), FieldProblem> {
    for entry in hosts.split(',').filter(|entry| !entry.is_empty()) {
        let (host, port) = if let Some(bracketed) = entry.strip_prefix('[') {
            let (host, after) = bracketed
                .split_once(']')
                .ok_or(("host", format!("`{entry}` has no closing `]`")))?;
            (host.to_owned(), after.strip_prefix(':'))
        } else {
            let (host, port) = entry
                .split_once(':')
                .map_or((entry, None), |(h, p)| (h, Some(p)));
            (decode(host).map_err(|p| ("host", p))?, port)
        };
        parts.hosts.push(host);
        if let Some(port) = port {
            parts.ports.push(parse_port(port).map_err(|p| ("port", p))?);
        }
    }
    Ok(())
}

fn parse_port(text: &str) -> Result<u16, String> {
    text.parse()
        .ok()
        .filter(|port| *port != 0)
        .ok_or_else(|| format!("`{text}` is not a port number"))
}

/// The first schema of `-csearch_path=a,b` (or `-c search_path=a`) in `options`.
fn search_path_of(options: &str) -> Option<String> {
    let mut words = options.split_whitespace().peekable();
    while let Some(word) = words.next() {
        let setting = match word {
            "-c" => words.next()?,
            _ => word.strip_prefix("-c")?,
        };
        if let Some(path) = setting.strip_prefix("search_path=") {
            let first = path.split(',').next()?.trim().trim_matches('"');
            return (!first.is_empty()).then(|| first.to_owned());
        }
    }
    None
}

/// A schema name wacast accepts: a plain lower-case SQL identifier.
fn check_schema(schema: &str) -> Result<(), String> {
    let mut chars = schema.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if first_ok && rest_ok && schema.len() <= 63 && !schema.starts_with("pg_") {
        Ok(())
    } else {
        Err(format!(
            "`{schema}` is not a lower-case identifier of letters, digits and `_` (up to 63, not `pg_…`)"
        ))
    }
}

pub(crate) fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn decode(text: &str) -> Result<String, String> {
    percent_decode_str(text)
        .decode_utf8()
        .map(|text| text.into_owned())
        .map_err(|_| "it is not valid percent-encoded UTF-8".to_owned())
}

/// `url` with the password (in the user part or the `password` parameter) as `***`.
fn mask(url: &str) -> String {
    let (head, query) = url
        .split_once('?')
        .map_or((url, None), |(h, q)| (h, Some(q)));
    let head = match head.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest
                .split_once('/')
                .map_or((rest, None), |(a, p)| (a, Some(p)));
            let authority = match authority.rsplit_once('@') {
                Some((userinfo, hosts)) => match userinfo.split_once(':') {
                    Some((user, _)) => format!("{user}:***@{hosts}"),
                    None => authority.to_owned(),
                },
                None => authority.to_owned(),
            };
            match path {
                Some(path) => format!("{scheme}://{authority}/{path}"),
                None => format!("{scheme}://{authority}"),
            }
        }
        None => "(not a postgres:// URL)".to_owned(),
    };
    let Some(query) = query else {
        return head;
    };
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some(("password", _)) => "password=***".to_owned(),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{head}?{}", query.join("&"))
}
