//! `cors diff`: where two policies decide differently, shown on sample requests that both
//! real policies evaluate.
//!
//! The samples are drawn from both files (each listed origin, method and header, a match and
//! a near-miss for each pattern, a few common values), so that whatever either policy names
//! is tried on the other. The engine decides every sample: nothing here matches CORS rules
//! itself, so the diff cannot disagree with what a server running either policy does.

mod compare;
mod regex_sample;
mod report;
mod samples;
mod sets;

use crate::check::{self, Loaded};
use crate::style::Style;
use compare::{compare, group, keys_changed};
use cors_core::Policy;
use report::{report_unusable, Differences, Report};
use std::path::PathBuf;

/// Exit status when every sample request is decided the same.
const SAME: u8 = 0;
/// Exit status when at least one is decided differently.
const DIFFERENT: u8 = 1;
/// Exit status when either file cannot be used.
const UNUSABLE: u8 = 2;

/// Arguments of `cors diff`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The policy in use (.toml, .json, .yaml or .yml). When either file is a policy set
    /// (`[[routes]]`), the default is compared with the default and each route with the route
    /// of the same name.
    old: PathBuf,
    /// The policy to compare it with, in any of the same formats. CORS_* environment
    /// variables override the keys of both files, as in the library.
    new: PathBuf,
}

/// Runs `cors diff` and returns the exit status.
pub(crate) fn run(args: &Args, json: bool, style: Style) -> u8 {
    let loaded = [check::load(&args.old), check::load(&args.new)];
    let files = [args.old.as_path(), args.new.as_path()];
    let same = match &loaded {
        [Loaded::Valid(old), Loaded::Valid(new)] => plain(args, old, new, &loaded, json, style),
        [old, new] => match (sets::as_set(old), sets::as_set(new)) {
            (Some(old), Some(new)) => sets::run(files, &loaded, [&old, &new], json, style),
            _ => {
                report_unusable(files, &loaded, json, style);
                return UNUSABLE;
            }
        },
    };
    if same {
        SAME
    } else {
        DIFFERENT
    }
}

/// Compares two plain policy files; whether they decide the same.
fn plain(args: &Args, old: &Policy, new: &Policy, loaded: &[Loaded; 2], json: bool, style: Style) -> bool {
    let comparison = compare(old, new);
    let groups = group(&comparison.compared);
    let keys = keys_changed(&old.to_config(), &new.to_config());
    let report = Report {
        files: [&args.old, &args.new],
        loaded,
        env: check::env_overrides(),
        differences: Differences {
            comparison: &comparison,
            groups: &groups,
            keys,
        },
    };
    if json {
        println!("{:#}", report.to_json());
    } else {
        report.print(style);
    }
    report.differences.is_same()
}
