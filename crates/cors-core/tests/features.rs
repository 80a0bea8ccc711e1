//! A policy that needs a feature that is off is a clear error that names the feature. Inside
//! the workspace every feature is on (the members' features add up), so this builds a small
//! program outside it, against `cors-core` with only `toml`, and reads what it prints.

use std::path::{Path, PathBuf};
use std::process::Command;

const PROGRAM: &str = r##"
use cors_core::{Format, Policy, PolicyConfig};

fn main() {
    let yaml = PolicyConfig::parse("allow_origins: [\"https://a.example\"]", Format::Yaml);
    println!("yaml: {}", yaml.unwrap_err());
    let json = PolicyConfig::parse(r#"{"allow_origins": ["https://a.example"]}"#, Format::Json);
    println!("json: {}", json.unwrap_err());
    let regex = Policy::builder().allow_origin_regex([r"https://a\.example"]).build();
    println!("regex: {}", regex.unwrap_err());
    let toml = PolicyConfig::parse("allow_origins = [\"https://a.example\"]", Format::Toml);
    println!("toml: {}", toml.is_ok());
}
"##;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn a_policy_that_needs_a_disabled_feature_names_the_feature() {
    let root = workspace_root();
    let dir = root.join("target/feature-check");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let core = root.join("crates/cors-core");
    let manifest = format!(
        "[package]\nname = \"feature-check\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\ncors-core = {{ path = {:?}, default-features = false, features = [\"toml\"] }}\n\n[workspace]\n",
        core.display().to_string()
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    std::fs::write(dir.join("src/main.rs"), PROGRAM).unwrap();
    // The workspace's lock file, so that no crate is fetched and the versions are the same.
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["run", "--quiet", "--offline"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .output()
        .expect("cargo runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line = |prefix: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix} line in:\n{stdout}"))
            .to_owned()
    };
    assert!(line("yaml:").contains(r#"needs the "yaml" feature"#), "{stdout}");
    assert!(line("json:").contains(r#"needs the "json" feature"#), "{stdout}");
    let regex = line("regex:");
    assert!(
        regex.contains(r#"allow_origin_regex: "https://a\\.example" needs the "regex" feature"#),
        "{regex}"
    );
    assert_eq!(line("toml:"), "toml: true");
}
