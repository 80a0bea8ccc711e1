//! `cors origins add|remove|list`: change or list the origins kept in a store (PostgreSQL or
//! Redis) that servers look up, announcing each change so that every server sees it within a
//! second. Without `--tenant` the command works on the shared list (a policy's looked-up
//! origins); with `--tenant T`, on tenant T's list (the tenant routes of a policy set).

use crate::style::Style;
use clap::{Args as ClapArgs, Subcommand};
use cors_store::{OriginStore, StoreError};
use serde_json::json;
use std::time::Duration;

/// Exit status when the command did what was asked.
const DONE: u8 = 0;
/// Exit status of an origin refused (not canonical) or a tenant key refused.
const REFUSED: u8 = 1;
/// Exit status when the store cannot be used (bad URL, unreachable, failed).
const UNUSABLE: u8 = 2;

/// `cors origins ...`.
#[derive(Debug, ClapArgs)]
pub(crate) struct Args {
    #[command(subcommand)]
    action: Action,
}

/// Where the store is and how long to wait for it.
#[derive(Debug, ClapArgs)]
struct StoreArgs {
    /// The store: postgres://user@host:port/db or redis://host:port/N.
    #[arg(long, value_name = "URL")]
    store: String,

    /// How long to wait for the store to accept a connection, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    timeout: f64,

    /// The tenant whose list to change or list (1 to 128 visible ASCII characters, such as
    /// `acme`: the key the policy set's tenant routes resolve); without it, the shared list.
    #[arg(long, value_name = "T")]
    tenant: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Action {
    /// Add an origin (canonical: `scheme://host[:port]`, lower case, no trailing slash) and
    /// announce it to every server.
    Add {
        /// The origin, such as `https://shop.tenant.example`.
        origin: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Remove an origin (any value, so that one that is not an origin can be removed too)
    /// and announce it to every server.
    Remove {
        /// The origin or value to remove.
        origin: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List the origins of the list (the shared one, or `--tenant T`'s), sorted; values that
    /// are not canonical origins (which servers ignore) are reported on standard error.
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// Runs the command; returns the exit status.
pub(crate) fn run(args: &Args, json: bool, style: Style) -> u8 {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            report_error(json, &format!("cannot start the async runtime: {error}"), style);
            return UNUSABLE;
        }
    };
    runtime.block_on(run_async(args, json, style))
}

async fn run_async(args: &Args, json: bool, style: Style) -> u8 {
    let store_args = match &args.action {
        Action::Add { store, .. } | Action::Remove { store, .. } | Action::List { store } => store,
    };
    let tenant = store_args.tenant.as_deref();
    // Refuse a bad tenant key or origin before connecting: the fix does not depend on the
    // store.
    let checked = tenant
        .map_or(Ok(()), cors_store::check_tenant)
        .and_then(|()| match &args.action {
            Action::Add { origin, .. } => cors_store::check_origin(origin),
            _ => Ok(()),
        });
    if let Err(error) = checked {
        report_error(json, &error.to_string(), style);
        return REFUSED;
    }
    let store = match connect(store_args).await {
        Ok(store) => store,
        Err(error) => {
            report_error(json, &error, style);
            return UNUSABLE;
        }
    };
    let list = List {
        tenant,
        store: &store,
    };
    let (verb, origin, done) = match &args.action {
        Action::Add { origin, .. } => ("added", origin, list.add(origin).await),
        Action::Remove { origin, .. } => ("removed", origin, list.remove(origin).await),
        Action::List { .. } => {
            return match list.list_all().await {
                Ok((origins, ignored)) => {
                    report_list(json, &list, &origins, &ignored, style);
                    DONE
                }
                Err(error) => report_store_error(json, &error, style),
            }
        }
    };
    match done {
        Ok(()) => {
            report_change(json, verb, origin, &list, style);
            DONE
        }
        Err(error) => report_store_error(json, &error, style),
    }
}

/// The store, once connected; an error says why not.
async fn connect(store_args: &StoreArgs) -> Result<OriginStore, String> {
    let store = OriginStore::open(&store_args.store).map_err(|error| error.to_string())?;
    let timeout = Duration::try_from_secs_f64(store_args.timeout.max(0.0)).unwrap_or(Duration::from_secs(10));
    if store.wait_connected(timeout).await {
        return Ok(store);
    }
    // The store's own message says what it last saw.
    Err(match store.list().await {
        Err(error) => error.to_string(),
        Ok(_) => format!("{} did not answer within {timeout:?}", store.describe()),
    })
}

/// The list the command works on: a tenant's (a valid key), or the shared one.
struct List<'a> {
    tenant: Option<&'a str>,
    store: &'a OriginStore,
}

impl List<'_> {
    async fn add(&self, origin: &str) -> Result<(), StoreError> {
        match self.tenant {
            Some(tenant) => self.store.add_for(tenant, origin).await,
            None => self.store.add(origin).await,
        }
    }

    async fn remove(&self, origin: &str) -> Result<(), StoreError> {
        match self.tenant {
            Some(tenant) => self.store.remove_for(tenant, origin).await,
            None => self.store.remove(origin).await,
        }
    }

    async fn list_all(&self) -> Result<(Vec<String>, Vec<(String, StoreError)>), StoreError> {
        match self.tenant {
            Some(tenant) => self.store.list_all_for(tenant).await,
            None => self.store.list_all().await,
        }
    }

    /// `tenant acme; ` or nothing, for the human-readable lines.
    fn named(&self) -> String {
        self.tenant
            .map_or_else(String::new, |tenant| format!("tenant {tenant}; "))
    }
}

fn report_list(
    json: bool,
    list: &List<'_>,
    origins: &[String],
    ignored: &[(String, StoreError)],
    style: Style,
) {
    if json {
        let ignored: Vec<_> = ignored
            .iter()
            .map(|(value, why)| json!({"value": value, "reason": why.to_string()}))
            .collect();
        let doc = json!({
            "store": list.store.describe(),
            "tenant": list.tenant,
            "origins": origins,
            "ignored": ignored,
        });
        println!("{doc:#}");
    } else {
        for origin in origins {
            println!("{origin}");
        }
        for (_, why) in ignored {
            eprintln!("{} ignored by servers: {why}", style.yellow("warning:"));
        }
    }
}

fn report_change(json: bool, verb: &str, origin: &str, list: &List<'_>, style: Style) {
    let store = list.store.describe();
    if json {
        let doc = json!({"action": verb, "origin": origin, "tenant": list.tenant, "store": store});
        println!("{doc:#}");
    } else {
        println!(
            "{} {origin} {}",
            style.green(verb),
            style.dim(&format!("({}{store}; announced to every server)", list.named()))
        );
    }
}

fn report_store_error(json: bool, error: &StoreError, style: Style) -> u8 {
    report_error(json, &error.to_string(), style);
    match error {
        StoreError::InvalidOrigin { .. } => REFUSED,
        _ => UNUSABLE,
    }
}

fn report_error(json: bool, message: &str, style: Style) {
    if json {
        println!("{:#}", json!({"error": message}));
    } else {
        eprintln!("{} {message}", style.red("error:"));
    }
}
