//! What a user of the crate meets before any store runs: a build without a backend fails with
//! the fix, and every error reads as its message through `?` in `main`.

use cors_store::{OriginStore, StoreError};
use std::path::Path;
use std::process::Command;

/// An application that depends on cors-store with no backend feature does not build, and the
/// compiler's message says which feature to turn on. (Before, it built and failed at start with
/// `FeatureDisabled`.)
#[test]
fn an_application_without_a_backend_does_not_build() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("no-backend-app");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let store = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = format!(
        "[package]\nname = \"no-backend-app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [dependencies]\ncors-store = {{ path = {:?} }}\n\n[workspace]\n",
        store.display()
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    std::fs::write(
        dir.join("src/main.rs"),
        "fn main() { let _ = cors_store::OriginStore::open(\"postgres://localhost/db\"); }\n",
    )
    .unwrap();
    // The workspace's lock file, so that the check uses the versions already downloaded.
    std::fs::copy(store.join("../../Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let out = Command::new(env!("CARGO"))
        .args(["check", "--offline", "--quiet"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .env_remove("CARGO_PRIMARY_PACKAGE")
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "built without a backend:\n{stderr}");
    assert!(
        stderr.contains("cors-store has no backend: turn on the one your store runs")
            && stderr.contains(r#"features = ["postgres"]"#),
        "{stderr}"
    );
}

/// `main() -> Result<(), StoreError>` prints the error's `Debug` form: it is the message.
#[tokio::test]
async fn an_error_prints_its_message_through_question_mark() {
    let error: StoreError = OriginStore::open("mysql://localhost/db").unwrap_err();
    assert_eq!(format!("{error:?}"), error.to_string());
    assert!(format!("{error:?}").contains("postgres://"), "{error:?}");
}
