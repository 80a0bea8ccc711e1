//! The same in-process measurements as the `compare` table, through criterion: one group per
//! case and framework (`allowed_origin/axum`, ...), one benchmark per variant (`without`,
//! `ours`, `incumbent`, `floor`), each timing whole requests through the framework's service stack.
//!
//! ```text
//! cargo bench -p cors-bench --bench frameworks                       # everything
//! cargo bench -p cors-bench --bench frameworks -- allowed_origin/    # one case
//! cargo bench -p cors-bench --bench frameworks -- --quick            # criterion's quick mode
//! ```
//!
//! Criterion runs the variants one after another, so on a busy machine their differences
//! drift more than in `compare`, which interleaves them; use `compare` for the table.

use cors_bench::{Case, Framework, Harness, Variant};
use criterion::{criterion_group, criterion_main, Criterion};
use std::time::{Duration, Instant};

/// Times `iters` requests through `variant`, in batches of at most 4096 prebuilt requests
/// (building them is not timed).
fn time(harness: &mut dyn Harness, variant: Variant, iters: u64) -> Duration {
    let mut total = Duration::ZERO;
    let mut left = iters as usize;
    while left > 0 {
        let batch = left.min(4096);
        harness.run(variant, batch, &mut |send| {
            let start = Instant::now();
            send();
            total += start.elapsed();
        });
        left -= batch;
    }
    total
}

fn frameworks(c: &mut Criterion) {
    for case in Case::all() {
        for framework in Framework::ALL {
            let mut harness = framework.harness(&case);
            let mut group = c.benchmark_group(format!("{}/{}", case.name, framework.name()));
            group.sample_size(20);
            group.warm_up_time(Duration::from_millis(500));
            group.measurement_time(Duration::from_secs(1));
            for variant in Variant::ALL {
                group.bench_function(variant.name(), |b| {
                    b.iter_custom(|iters| time(harness.as_mut(), variant, iters))
                });
            }
            group.finish();
        }
    }
}

criterion_group!(benches, frameworks);
criterion_main!(benches);
