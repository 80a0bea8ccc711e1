//! What `cors probe` makes of the answers: one finding per problem, with how bad it is.

use super::plan::{Exchange, Kind, Probe};
use crate::http::Response;
use crate::style::Style;
use cors_audit::attack::AttackClass;

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub(crate) enum Severity {
    /// Worth knowing; not a problem by itself.
    Info,
    /// A weakness or a functional problem with little security impact.
    Low,
    /// Exploitable in some setups (shared caches, sandboxed pages).
    Medium,
    /// Another site can read responses, possibly with the user's cookies.
    High,
}

impl Severity {
    pub(super) fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }

    pub(super) fn styled(self, style: Style) -> String {
        let name = format!("{:<8}", self.name());
        match self {
            Severity::High => style.red(&name),
            Severity::Medium => style.yellow(&name),
            Severity::Low => style.cyan(&name),
            Severity::Info => style.dim(&name),
        }
    }
}

/// One thing found.
#[derive(Clone, Debug)]
pub(super) struct Finding {
    pub(super) severity: Severity,
    pub(super) check: &'static str,
    pub(super) origin: String,
    pub(super) request: String,
    pub(super) detail: String,
}

/// What an attack origin of `class` tries, in words.
fn describe(class: AttackClass) -> &'static str {
    match class {
        AttackClass::ArbitraryOrigin => "an unrelated origin",
        AttackClass::ThirdPartyHost => "a site anyone can publish a page on",
        AttackClass::NullOrigin => "the opaque origin null",
        AttackClass::PrefixMatch => "the allowed host as a prefix of the attacker's (starts_with check)",
        AttackClass::SuffixMatch => "the allowed host as a suffix of the attacker's (ends_with check)",
        AttackClass::SubstringMatch => "part of the allowed host (contains check)",
        AttackClass::UnescapedDot => "a dot of the host replaced by a letter (unescaped . in a regex)",
        AttackClass::SpecialCharacter => "a special character after the allowed host",
        AttackClass::Userinfo => "the allowed host as userinfo (browsers never send it)",
        AttackClass::OriginList => "a list of origins in one Origin (browsers never send it)",
        AttackClass::SchemeChange => "the allowed host over the other scheme",
        AttackClass::OtherSubdomain => "another subdomain or the parent domain",
        AttackClass::OtherPort => "another port of the allowed host",
        AttackClass::DefaultPort => "the default port written out (browsers never send it)",
        AttackClass::UpperCase => "upper-case letters (browsers never send them)",
        AttackClass::TrailingDot => "a trailing dot",
        AttackClass::TrailingPath => "a trailing slash or path (browsers never send them)",
        AttackClass::Homograph => "a look-alike host in raw Unicode (browsers send punycode)",
        _ => "a derived origin",
    }
}

/// How bad it is that an origin of `class` is granted.
fn reflected_severity(class: AttackClass, credentials: bool) -> Severity {
    match class {
        AttackClass::SchemeChange if credentials => Severity::High,
        AttackClass::SchemeChange | AttackClass::OtherSubdomain | AttackClass::OtherPort => Severity::Medium,
        // Browsers never send these, so granting them is loose matching, not yet a hole.
        AttackClass::Userinfo
        | AttackClass::OriginList
        | AttackClass::DefaultPort
        | AttackClass::UpperCase
        | AttackClass::TrailingDot
        | AttackClass::TrailingPath
        | AttackClass::Homograph => Severity::Low,
        _ => Severity::High,
    }
}

fn granted_to(response: &Response, origin: &str) -> bool {
    response.all("access-control-allow-origin").contains(&origin)
}

fn credentials_true(response: &Response) -> bool {
    response
        .all("access-control-allow-credentials")
        .iter()
        .any(|v| v.eq_ignore_ascii_case("true"))
}

/// Findings of the same check, request kind and attack class, merged into one row.
#[derive(Default)]
struct Findings {
    groups: Vec<(Finding, String, Vec<String>)>,
}

impl Findings {
    fn add(&mut self, severity: Severity, check: &'static str, group: &str, probe: &Probe, detail: String) {
        let origin = probe.origin.clone().unwrap_or_else(|| "-".to_owned());
        let request = probe.request_name();
        let same = |(f, g, _): &&mut (Finding, String, Vec<String>)| {
            f.check == check && g == group && !group.is_empty() && f.request == request
        };
        if let Some((finding, _, more)) = self.groups.iter_mut().find(|g| same(g)) {
            finding.severity = finding.severity.max(severity);
            more.push(origin);
            return;
        }
        self.groups.push((
            Finding {
                severity,
                check,
                origin,
                request: request.to_owned(),
                detail,
            },
            group.to_owned(),
            Vec::new(),
        ));
    }

    fn finish(self) -> Vec<Finding> {
        let mut findings: Vec<Finding> = self
            .groups
            .into_iter()
            .map(|(mut f, _, more)| {
                if !more.is_empty() {
                    let shown: Vec<String> = more.iter().take(3).map(|o| format!("{o:?}")).collect();
                    let rest = if more.len() > 3 { ", ..." } else { "" };
                    f.detail
                        .push_str(&format!(" (and {} more: {}{rest})", more.len(), shown.join(", ")));
                }
                f
            })
            .collect();
        findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        findings
    }
}

/// The findings of every exchange, worst first.
pub(super) fn analyse(exchanges: &[Exchange]) -> Vec<Finding> {
    let mut found = Findings::default();
    let varies = answer_depends_on_origin(exchanges);
    let mut missing_vary: Vec<&Probe> = Vec::new();
    for e in exchanges {
        let p = &e.probe;
        let r = match &e.result {
            Ok(r) => r,
            Err(why) => {
                found.add(
                    Severity::Info,
                    "request-failed",
                    "failed",
                    p,
                    format!("no answer: {why}"),
                );
                continue;
            }
        };
        // A write's answer is judged with the others' (analyse_writes), not on its own.
        if p.write {
            continue;
        }
        analyse_answer(&mut found, p, r);
        let acao = r.all("access-control-allow-origin");
        if varies && !p.preflight && !r.varies_on("origin") && !acao.contains(&"*") {
            missing_vary.push(p);
        }
    }
    add_missing_vary(&mut found, &missing_vary);
    if let Some(writes) = Writes::of(exchanges) {
        add_unguarded_writes(&mut found, exchanges, &writes);
    }
    found.finish()
}

/// What the cross-site writes (`--writes`) met, counted over the origins the server refuses:
/// an attack origin it grants is reported as such, and a write from it is the server's choice.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Writes {
    /// The writes sent.
    pub(super) sent: usize,
    /// The writes answered, from origins the server does not grant.
    pub(super) judged: usize,
    /// Of those, the ones answered 403.
    pub(super) refused: usize,
    /// The other statuses, each once, in the order met.
    pub(super) statuses: Vec<u16>,
    /// The first exchange whose write was not refused.
    first: Option<usize>,
}

impl Writes {
    /// `None` when no write was sent.
    pub(super) fn of(exchanges: &[Exchange]) -> Option<Writes> {
        let mut writes = Writes {
            sent: 0,
            judged: 0,
            refused: 0,
            statuses: Vec::new(),
            first: None,
        };
        for (i, e) in exchanges.iter().enumerate().filter(|(_, e)| e.probe.write) {
            writes.sent += 1;
            let (Ok(r), Some(origin)) = (&e.result, e.probe.origin.as_deref()) else {
                continue;
            };
            if server_grants(exchanges, origin) {
                continue;
            }
            writes.judged += 1;
            if r.status == 403 {
                writes.refused += 1;
                continue;
            }
            writes.first.get_or_insert(i);
            if !writes.statuses.contains(&r.status) {
                writes.statuses.push(r.status);
            }
        }
        (writes.sent > 0).then_some(writes)
    }

    /// Every write from a refused origin was answered 403.
    pub(super) fn guarded(&self) -> bool {
        self.judged > 0 && self.refused == self.judged
    }
}

/// Whether the server's answer to the plain `GET` from `origin` grants it (or any origin).
fn server_grants(exchanges: &[Exchange], origin: &str) -> bool {
    exchanges
        .iter()
        .filter(|e| !e.probe.preflight && !e.probe.write)
        .filter(|e| e.probe.origin.as_deref() == Some(origin))
        .any(|e| {
            e.result
                .as_ref()
                .is_ok_and(|r| granted_to(r, origin) || r.all("access-control-allow-origin").contains(&"*"))
        })
}

/// One finding when writes from refused origins were not refused: CORS never stops them.
fn add_unguarded_writes(found: &mut Findings, exchanges: &[Exchange], writes: &Writes) {
    let Some(first) = writes.first.and_then(|i| exchanges.get(i)) else {
        return;
    };
    let statuses: Vec<String> = writes.statuses.iter().map(u16::to_string).collect();
    found.add(
        Severity::Medium,
        "cross-origin-write",
        "",
        &first.probe,
        format!(
            "cross-origin writes from a disallowed origin reach the handler (status {}; {} of {} \
             not refused): turn on guard = \"enforce\" (rules §12)",
            statuses.join(", "),
            writes.judged - writes.refused,
            writes.judged
        ),
    );
}

/// Whether some response grants a specific origin, so that a cache must keep answers apart.
fn answer_depends_on_origin(exchanges: &[Exchange]) -> bool {
    exchanges.iter().any(|e| {
        e.result.as_ref().is_ok_and(|r| {
            r.all("access-control-allow-origin")
                .iter()
                .any(|v| *v != "*" && Some(*v) == e.probe.origin.as_deref())
        })
    })
}

/// What one answer shows: malformed or contradictory headers, then what it grants to whom.
fn analyse_answer(found: &mut Findings, p: &Probe, r: &Response) {
    let acao = r.all("access-control-allow-origin");
    let creds = credentials_true(r);
    if acao.len() > 1 || acao.iter().any(|v| v.contains(',') || v.contains(' ')) {
        found.add(
            Severity::Medium,
            "acao-invalid",
            "acao-invalid",
            p,
            format!(
                "Access-Control-Allow-Origin has {} line(s) with several values ({}): browsers reject it",
                acao.len(),
                acao.join(" | ")
            ),
        );
    }
    if acao.contains(&"*") && creds {
        found.add(
            Severity::High,
            "star-with-credentials",
            "star",
            p,
            "Access-Control-Allow-Origin: * together with Access-Control-Allow-Credentials: true \
             (browsers refuse the pair, but it shows credentials are granted to everyone)"
                .to_owned(),
        );
    }
    match &p.kind {
        Kind::Baseline => analyse_baseline(found, p, &acao),
        Kind::Allowed if !p.preflight => analyse_allowed(found, p, r),
        Kind::Allowed => analyse_allowed_preflight(found, p, r, creds),
        Kind::Attack(class, sibling) => analyse_attack(found, p, r, *class, sibling.as_deref()),
        Kind::Null => analyse_null(found, p, r, creds),
    }
}

fn analyse_baseline(found: &mut Findings, p: &Probe, acao: &[&str]) {
    if let Some(v) = acao.first().filter(|v| **v != "*") {
        found.add(
            Severity::Info,
            "acao-without-origin",
            "",
            p,
            format!("Access-Control-Allow-Origin: {v} is sent to a request without Origin"),
        );
    }
}

fn analyse_allowed(found: &mut Findings, p: &Probe, r: &Response) {
    let origin = p.origin.as_deref().unwrap_or("");
    if !granted_to(r, origin) && !r.all("access-control-allow-origin").contains(&"*") {
        found.add(
            Severity::Info,
            "allowed-origin-refused",
            "",
            p,
            format!(
                "status {}, no Access-Control-Allow-Origin for this origin: the page cannot read \
                 the response (is the URL under the policy? is the origin listed exactly?)",
                r.status
            ),
        );
    }
}

fn analyse_allowed_preflight(found: &mut Findings, p: &Probe, r: &Response, creds: bool) {
    let origin = p.origin.as_deref().unwrap_or("");
    let acao = r.all("access-control-allow-origin");
    if !(200..300).contains(&r.status) {
        found.add(
            Severity::Low,
            "preflight-not-answered",
            "",
            p,
            format!(
                "the preflight got {}: the browser blocks every non-simple request (answer OPTIONS in the \
                 CORS layer, before routing)",
                r.status
            ),
        );
        return;
    }
    if !granted_to(r, origin) && !acao.contains(&"*") {
        found.add(
            Severity::Info,
            "preflight-refused",
            "",
            p,
            format!(
                "status {}, but no Access-Control-Allow-Origin for this origin",
                r.status
            ),
        );
        return;
    }
    let methods = r.all("access-control-allow-methods").join(", ");
    let headers = r.all("access-control-allow-headers").join(", ");
    let has_star = |list: &str| list.split(',').any(|m| m.trim() == "*");
    if creds && (has_star(&methods) || has_star(&headers)) {
        found.add(
            Severity::Low,
            "star-in-credentialed-preflight",
            "",
            p,
            "\"*\" in Access-Control-Allow-Methods/-Headers with credentials: browsers read it as a \
             literal name, so credentialed requests fail"
                .to_owned(),
        );
    }
    if !(r.varies_on("access-control-request-method") && r.varies_on("access-control-request-headers")) {
        found.add(
            Severity::Low,
            "preflight-vary",
            "",
            p,
            "the preflight answer does not list Access-Control-Request-Method and -Headers in Vary: a \
             cache may serve it for other preflights"
                .to_owned(),
        );
    }
    let dash = |s: &str| {
        if s.is_empty() {
            "-".to_owned()
        } else {
            s.to_owned()
        }
    };
    found.add(
        Severity::Info,
        "preflight-granted",
        "",
        p,
        format!(
            "status {}; methods: {}; headers: {}; max-age: {}",
            r.status,
            dash(&methods),
            dash(&headers),
            r.first("access-control-max-age").unwrap_or("-")
        ),
    );
}

/// An attack origin granted is a finding; credentials alone, for an origin refused, a lesser one.
fn analyse_attack(found: &mut Findings, p: &Probe, r: &Response, class: AttackClass, sibling: Option<&str>) {
    let origin = p.origin.as_deref().unwrap_or("");
    let creds = credentials_true(r);
    if granted_to(r, origin) {
        add_attack_granted(found, p, class, sibling, creds);
    } else if creds {
        found.add(
            Severity::Low,
            "credentials-for-refused-origin",
            "credentials",
            p,
            "Access-Control-Allow-Credentials: true is sent to an origin that is not granted: \
             harmless alone (browsers also need the origin), but credentials seem to be granted \
             regardless of origin"
                .to_owned(),
        );
    }
}

fn add_attack_granted(
    found: &mut Findings,
    p: &Probe,
    class: AttackClass,
    sibling: Option<&str>,
    creds: bool,
) {
    let loose = reflected_severity(class, creds) == Severity::Low;
    let with = match (creds, loose) {
        (true, true) => ", with credentials: the origin check is loose",
        (false, true) => ": the origin check is loose",
        (true, false) => ", with credentials: a page there reads your users' data with their cookies",
        (false, false) => ": a page there can read the responses",
    };
    let what = if p.preflight {
        "the preflight is granted to"
    } else {
        "ACAO grants"
    };
    let mut severity = reflected_severity(class, creds);
    let mut detail = format!("{what} {} [{class}]{with}", describe(class));
    if let Some(parent) = sibling {
        // Also another subdomain of the same site: intended under a pattern.
        severity = severity.min(Severity::Medium);
        detail.push_str(&format!(
            "; it is another subdomain of {parent}: fine only if all of {parent} is trusted \
             (--policy skips what the policy allows)"
        ));
    }
    let group = format!("{class}{}", if sibling.is_some() { "-sibling" } else { "" });
    let check = if p.preflight {
        "attack-preflight-granted"
    } else {
        "origin-reflected"
    };
    found.add(severity, check, &group, p, detail);
}

fn analyse_null(found: &mut Findings, p: &Probe, r: &Response, creds: bool) {
    if !granted_to(r, "null") {
        return;
    }
    let (severity, detail) = if p.preflight {
        (
            Severity::Low,
            "the preflight is granted to Origin: null (sandboxed iframes, data: URLs and local \
             files send it)",
        )
    } else if creds {
        (
            Severity::High,
            "Access-Control-Allow-Origin: null with credentials: any sandboxed iframe can read \
             your users' data with their cookies",
        )
    } else {
        (
            Severity::Medium,
            "Access-Control-Allow-Origin: null: any sandboxed iframe or data: URL page can read \
             these responses",
        )
    };
    found.add(severity, "null-origin", "", p, detail.to_owned());
}

/// One finding for every response that lacks `Vary: Origin` although the answer depends on it.
fn add_missing_vary(found: &mut Findings, missing_vary: &[&Probe]) {
    let Some(first) = missing_vary.first() else {
        return;
    };
    let shown: Vec<String> = missing_vary.iter().take(4).map(|p| p.label()).collect();
    let rest = if missing_vary.len() > 4 { "; ..." } else { "" };
    found.add(
        Severity::Medium,
        "missing-vary-origin",
        "",
        first,
        format!(
            "the answer depends on Origin but {} response{} lack Vary: Origin ({}{rest}): a shared \
             cache can serve one origin's answer to another",
            missing_vary.len(),
            if missing_vary.len() == 1 { "" } else { "s" },
            shown.join("; ")
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `GET` (granting the origin or not) and a write from `origin`, the write answered
    /// `status`.
    fn get_and_write(origin: &str, granted: bool, status: u16) -> [Exchange; 2] {
        let probe = |write| Probe {
            kind: Kind::Attack(AttackClass::ArbitraryOrigin, None),
            preflight: false,
            write,
            origin: Some(origin.to_owned()),
            headers: vec![],
        };
        let acao = granted.then(|| ("Access-Control-Allow-Origin".to_owned(), origin.to_owned()));
        let get = Response {
            status: 200,
            headers: acao.into_iter().collect(),
        };
        let post = Response {
            status,
            headers: vec![],
        };
        [
            Exchange {
                probe: probe(false),
                result: Ok(get),
            },
            Exchange {
                probe: probe(true),
                result: Ok(post),
            },
        ]
    }

    #[test]
    fn writes_from_refused_origins_that_are_not_refused_are_one_finding() {
        let has_write_finding = |exchanges: &[Exchange]| {
            analyse(exchanges)
                .iter()
                .any(|f| f.check == "cross-origin-write" && f.severity == Severity::Medium)
        };
        let mut unguarded: Vec<Exchange> = get_and_write("https://a.evil", false, 200).into();
        unguarded.extend(get_and_write("https://b.evil", false, 403));
        assert!(has_write_finding(&unguarded));
        let writes = Writes::of(&unguarded).expect("writes");
        assert_eq!((writes.sent, writes.judged, writes.refused), (2, 2, 1));
        assert_eq!(writes.statuses, vec![200]);
        assert!(!writes.guarded());

        let guarded: Vec<Exchange> = get_and_write("https://a.evil", false, 403).into();
        assert!(!has_write_finding(&guarded));
        assert!(Writes::of(&guarded).is_some_and(|w| w.guarded()));

        // An origin the server grants may write: that is the server's choice, reported (if
        // at all) as a granted attack origin.
        let granted: Vec<Exchange> = get_and_write("https://a.evil", true, 200).into();
        assert!(!has_write_finding(&granted));
        assert!(Writes::of(&granted).is_some_and(|w| w.judged == 0 && !w.guarded()));
        assert_eq!(Writes::of(&granted[..1]), None, "no write sent");
    }

    #[test]
    fn findings_of_one_class_are_merged() {
        let probe = |origin: &str| Probe {
            kind: Kind::Attack(AttackClass::SpecialCharacter, None),
            preflight: false,
            write: false,
            origin: Some(origin.to_owned()),
            headers: vec![],
        };
        let reflect = |origin: &str| Exchange {
            probe: probe(origin),
            result: Ok(Response {
                status: 200,
                headers: vec![
                    ("Access-Control-Allow-Origin".into(), origin.into()),
                    ("Vary".into(), "Origin".into()),
                ],
            }),
        };
        let findings = analyse(&[
            reflect("https://a.com_.evil.net"),
            reflect("https://a.com-.evil.net"),
        ]);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].severity, Severity::High);
        assert_eq!(findings[0].origin, "https://a.com_.evil.net");
        assert!(
            findings[0]
                .detail
                .ends_with("(and 1 more: \"https://a.com-.evil.net\")"),
            "{findings:?}"
        );
    }
}
