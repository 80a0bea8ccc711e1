//! `cors origins add|remove|list`: change or list the origins kept in a store (PostgreSQL or
//! Redis) that servers look up, announcing each change so that every server sees it within a
//! second.

use crate::style::Style;
use clap::{Args as ClapArgs, Subcommand};
use cors_store::{OriginStore, StoreError};
use serde_json::json;
use std::time::Duration;

/// Exit status when the command did what was asked.
const DONE: u8 = 0;
/// Exit status of an origin refused (not canonical).
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
    /// List the origins in the store, sorted; values that are not canonical origins (which
    /// servers ignore) are reported on standard error.
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
    // Refuse a bad origin before connecting: the fix does not depend on the store.
    if let Action::Add { origin, .. } = &args.action {
        if let Err(error) = cors_store::check_origin(origin) {
            report_error(json, &error.to_string(), style);
            return REFUSED;
        }
    }
    let store = match OriginStore::open(&store_args.store) {
        Ok(store) => store,
        Err(error) => {
            report_error(json, &error.to_string(), style);
            return UNUSABLE;
        }
    };
    let timeout = Duration::try_from_secs_f64(store_args.timeout.max(0.0)).unwrap_or(Duration::from_secs(10));
    if !store.wait_connected(timeout).await {
        // The store's own message says what it last saw.
        let error = match store.list().await {
            Err(error) => error.to_string(),
            Ok(_) => format!("{} did not answer within {timeout:?}", store.describe()),
        };
        report_error(json, &error, style);
        return UNUSABLE;
    }
    match &args.action {
        Action::Add { origin, .. } => match store.add(origin).await {
            Ok(()) => {
                report_change(json, "added", origin, &store, style);
                DONE
            }
            Err(error) => report_store_error(json, &error, style),
        },
        Action::Remove { origin, .. } => match store.remove(origin).await {
            Ok(()) => {
                report_change(json, "removed", origin, &store, style);
                DONE
            }
            Err(error) => report_store_error(json, &error, style),
        },
        Action::List { .. } => match store.list_all().await {
            Ok((origins, ignored)) => {
                if json {
                    let ignored: Vec<_> = ignored
                        .iter()
                        .map(|(value, why)| json!({"value": value, "reason": why.to_string()}))
                        .collect();
                    let doc = json!({
                        "store": store.describe(),
                        "origins": origins,
                        "ignored": ignored,
                    });
                    println!("{doc:#}");
                } else {
                    for origin in &origins {
                        println!("{origin}");
                    }
                    for (_, why) in &ignored {
                        eprintln!("{} ignored by servers: {why}", style.yellow("warning:"));
                    }
                }
                DONE
            }
            Err(error) => report_store_error(json, &error, style),
        },
    }
}

fn report_change(json: bool, verb: &str, origin: &str, store: &OriginStore, style: Style) {
    if json {
        let doc = json!({"action": verb, "origin": origin, "store": store.describe()});
        println!("{doc:#}");
    } else {
        println!(
            "{} {origin} {}",
            style.green(verb),
            style.dim(&format!("({}; announced to every server)", store.describe()))
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
