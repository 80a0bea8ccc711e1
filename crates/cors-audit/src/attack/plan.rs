//! The attacks on a policy: derived from the origins it allows, split by its own decision.

use super::class::{AttackClass, AttackOrigin};
use super::derive::derive_attacks;
use super::samples::allowed_samples;
use cors_core::Policy;

/// The attack origins for a policy: derived from each allowed origin, split into those the
/// policy refuses (the attacks) and those it allows (not attacks, but worth showing: a
/// derived origin the policy allows is often a sign that a pattern or regex is wider than
/// meant).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AttackPlan {
    /// The allowed origins the attacks were derived from.
    pub allowed: Vec<String>,
    /// Derived origins the policy refuses: send these and expect no grant.
    pub attacks: Vec<AttackOrigin>,
    /// Derived origins the policy allows, so not attacks against it.
    pub allowed_by_policy: Vec<AttackOrigin>,
    /// True in any-origin mode (`allow_origins = ["*"]`): every origin gets `*`, so nothing
    /// is an attack on the origin check; what must hold is that no credentials are granted.
    pub any_origin: bool,
}

impl AttackPlan {
    /// The plan for the origins [`allowed_samples`] finds in the policy.
    pub fn for_policy(policy: &Policy) -> AttackPlan {
        Self::with_samples(policy, allowed_samples(policy))
    }

    /// The plan for the policy's own samples plus `extra` allowed origins (for a predicate, or
    /// origins a regex sample does not reach). Extra origins the policy refuses are ignored.
    pub fn with_samples<I>(policy: &Policy, extra: I) -> AttackPlan
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        let mut allowed = allowed_samples(policy);
        for origin in extra {
            let origin = origin.into();
            if policy.allows_origin(origin.as_bytes()) && !allowed.contains(&origin) {
                allowed.push(origin);
            }
        }
        let any_origin = policy.to_config().allow_origins.iter().any(|o| o == "*");
        let mut plan = AttackPlan {
            allowed: Vec::new(),
            attacks: Vec::new(),
            allowed_by_policy: Vec::new(),
            any_origin,
        };
        let bases: Vec<String> = if allowed.is_empty() {
            // Nothing to derive from: still try the origin-independent attacks.
            vec![String::new()]
        } else {
            allowed.clone()
        };
        for base in &bases {
            for attack in derive_attacks(base) {
                if allowed.contains(&attack.origin)
                    || plan.attacks.iter().any(|a| a.origin == attack.origin)
                    || plan.allowed_by_policy.iter().any(|a| a.origin == attack.origin)
                {
                    continue;
                }
                if policy.allows_origin(attack.origin.as_bytes()) {
                    plan.allowed_by_policy.push(attack);
                } else {
                    plan.attacks.push(attack);
                }
            }
        }
        plan.allowed = allowed;
        plan
    }

    /// The classes the attacks cover.
    pub fn classes(&self) -> Vec<AttackClass> {
        let mut classes: Vec<AttackClass> = self.attacks.iter().map(|a| a.class).collect();
        classes.sort();
        classes.dedup();
        classes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cors_core::Origin;

    #[test]
    fn every_attack_against_the_allowed_origin_itself_is_refused() {
        let policy = Policy::builder()
            .allow_origins(["https://api.example.com"])
            .allow_credentials(true)
            .build()
            .unwrap();
        let plan = AttackPlan::for_policy(&policy);
        assert_eq!(plan.allowed, vec!["https://api.example.com"]);
        assert!(plan.allowed_by_policy.is_empty(), "{:?}", plan.allowed_by_policy);
        assert_eq!(plan.classes(), AttackClass::ALL.to_vec());
        assert!(!plan.any_origin);
    }

    #[test]
    fn derived_origins_the_policy_allows_are_not_attacks() {
        let policy = Policy::builder()
            .allow_origins(["https://*.example.com", "https://example.com"])
            .build()
            .unwrap();
        let plan = AttackPlan::for_policy(&policy);
        assert_eq!(plan.allowed, vec!["https://a.example.com", "https://example.com"]);
        for attack in &plan.attacks {
            assert!(!policy.allows_origin(attack.origin.as_bytes()), "{attack}");
        }
        let allowed: Vec<&str> = plan.allowed_by_policy.iter().map(|a| a.origin.as_str()).collect();
        assert!(allowed.contains(&"https://evil.a.example.com"), "{allowed:?}");
        assert!(allowed.contains(&"https://evil.example.com"), "{allowed:?}");
        for attack in &plan.allowed_by_policy {
            assert!(policy.allows_origin(attack.origin.as_bytes()), "{attack}");
        }
        assert!(plan
            .attacks
            .iter()
            .any(|a| a.origin == "https://example.com.evil.net"));
    }

    #[test]
    fn a_regex_with_an_unescaped_dot_shows_up_as_allowed_attacks() {
        let sloppy = Policy::builder()
            .allow_origin_regex(["https://app.example.com"])
            .build()
            .unwrap();
        let plan = AttackPlan::for_policy(&sloppy);
        // The regex matches its intended origin, and a letter for each dot.
        assert!(
            plan.allowed.contains(&"https://app.example.com".to_owned()),
            "{:?}",
            plan.allowed
        );
        assert!(
            plan.allowed.contains(&"https://appaexampleacom".to_owned()),
            "{:?}",
            plan.allowed
        );
        assert!(plan
            .allowed_by_policy
            .iter()
            .any(|a| a.class == AttackClass::UnescapedDot && a.origin == "https://appxexample.com"));
        let escaped = Policy::builder()
            .allow_origin_regex([r"https://app\.example\.com"])
            .build()
            .unwrap();
        assert!(AttackPlan::for_policy(&escaped).allowed_by_policy.is_empty());
    }

    #[test]
    fn any_origin_policies_have_no_origin_attacks() {
        let policy = Policy::builder().allow_origins(["*"]).build().unwrap();
        let plan = AttackPlan::for_policy(&policy);
        assert!(plan.any_origin);
        assert!(plan.allowed.is_empty());
        assert!(plan.attacks.is_empty());
        assert!(!plan.allowed_by_policy.is_empty());
    }

    #[test]
    fn extra_samples_for_predicates() {
        let policy = Policy::builder()
            .allow_origin_predicate(|o: &Origin<'_>| o.host() == "tool.internal.test")
            .build()
            .unwrap();
        assert!(AttackPlan::for_policy(&policy).allowed.is_empty());
        let plan = AttackPlan::with_samples(&policy, ["https://tool.internal.test", "https://refused.test"]);
        assert_eq!(plan.allowed, vec!["https://tool.internal.test"]);
        // The predicate ignores the scheme and port, so those derived origins are allowed.
        assert!(plan
            .allowed_by_policy
            .iter()
            .any(|a| a.origin == "http://tool.internal.test"));
        assert!(plan.attacks.iter().any(|a| a.class == AttackClass::PrefixMatch));
    }

    #[test]
    fn null_is_a_sample_when_enabled() {
        let policy = Policy::builder()
            .allow_origins(["https://example.com"])
            .allow_null_origin(true)
            .build()
            .unwrap();
        let plan = AttackPlan::for_policy(&policy);
        assert_eq!(plan.allowed, vec!["https://example.com", "null"]);
        assert!(!plan.attacks.iter().any(|a| a.origin == "null"));
    }
}
