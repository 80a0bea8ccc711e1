//! Lints of `allow_origin_regex` entries: the mistakes a regex makes that the engine can
//! point out when the policy is built (rules §6 warnings).

/// Origins no policy means to allow. A regex that matches one of them allows (nearly) any
/// origin, which with credentials is the reflected-origin hole of rs/cors CVE-2018-20744.
pub(crate) const UNRELATED_ORIGINS: [&str; 3] = [
    "https://evil.example",
    "http://evil.example",
    "https://evil.example:8443",
];

/// For a regex with a `.` that matches any character where a literal dot was surely meant
/// (a lone `.`, not `.*`, `.+` or another repetition), the regex with those dots escaped;
/// `None` when there is none or the regex does not parse. `https://app.example.com` as a regex
/// also matches `https://appxexample.com`, which anyone can register.
pub(crate) fn escape_wildcard_dots(regex: &str) -> Option<String> {
    let ast = regex_syntax::ast::parse::Parser::new().parse(regex).ok()?;
    let mut dots = Vec::new();
    lone_dots(&ast, &mut dots, 0);
    if dots.is_empty() {
        return None;
    }
    dots.sort_unstable();
    let mut fixed = String::with_capacity(regex.len() + dots.len());
    let mut last = 0;
    for at in dots {
        fixed.push_str(regex.get(last..at)?);
        fixed.push('\\');
        last = at;
    }
    fixed.push_str(regex.get(last..)?);
    Some(fixed)
}

/// The offsets of every `.` (any character) that is not the operand of a repetition.
fn lone_dots(ast: &regex_syntax::ast::Ast, out: &mut Vec<usize>, depth: u32) {
    use regex_syntax::ast::Ast;
    if depth > 256 {
        return;
    }
    match ast {
        Ast::Dot(span) => out.push(span.start.offset),
        // `.*`, `.+`, `.{2}` are deliberate wildcards; look inside other repetitions only.
        Ast::Repetition(rep) if !matches!(*rep.ast, Ast::Dot(_)) => lone_dots(&rep.ast, out, depth + 1),
        Ast::Group(group) => lone_dots(&group.ast, out, depth + 1),
        Ast::Alternation(alt) => alt.asts.iter().for_each(|a| lone_dots(a, out, depth + 1)),
        Ast::Concat(concat) => concat.asts.iter().for_each(|a| lone_dots(a, out, depth + 1)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Policy;

    #[test]
    fn wildcard_dots_are_found_and_escaped() {
        for (regex, fixed) in [
            ("https://app.example.com", Some(r"https://app\.example\.com")),
            (
                r"https://(app|admin).example\.com",
                Some(r"https://(app|admin)\.example\.com"),
            ),
            (
                r"https://([a-z]+.)?example\.com",
                Some(r"https://([a-z]+\.)?example\.com"),
            ),
            (r"https://app\.example\.com", None),
            (r"https://.*\.example\.com", None),
            (r"https://[a-z.]+\.example\.com", None),
            ("(", None),
        ] {
            assert_eq!(escape_wildcard_dots(regex).as_deref(), fixed, "{regex}");
        }
        // The fix compiles and no longer matches the letter-for-dot origin.
        let fixed = escape_wildcard_dots("https://app.example.com").unwrap_or_default();
        let policy = Policy::builder().allow_origin_regex([fixed]).build().unwrap();
        assert!(policy.allows_origin(b"https://app.example.com"));
        assert!(!policy.allows_origin(b"https://appxexample.com"));
    }
}
