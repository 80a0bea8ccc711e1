//! `trusted_proxies`: the networks whose `Forwarded` and `X-Forwarded-Host`/`-Proto` lines
//! say what the request's own origin is (rules §12). From any other peer, or when the adapter
//! cannot see the peer, those lines are ignored: anyone can send them.

use crate::config::error::{ConfigError, ConfigErrorKind};
use crate::config::report::Report;
use crate::wire::request::{CorsRequest, RequestHeader};
use std::net::IpAddr;

/// One network: an address and how many leading bits of it count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Network {
    address: IpAddr,
    bits: u8,
}

/// The networks of `trusted_proxies`, validated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct TrustedProxies {
    networks: Vec<Network>,
}

impl TrustedProxies {
    /// Validates every entry (`127.0.0.1/32`, `10.0.0.0/8`, `::1`, an address alone is its own
    /// network); each error names the entry and the fix.
    pub(crate) fn validate(entries: &[String], report: &mut Report) -> TrustedProxies {
        let mut networks = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            match parse(entry) {
                Ok(network) => networks.push(network),
                Err(fix) => report.error(
                    ConfigError::new(
                        format!("trusted_proxies[{i}]"),
                        Some(entry),
                        ConfigErrorKind::InvalidProxy,
                    )
                    .with_fix(fix),
                ),
            }
        }
        TrustedProxies { networks }
    }

    /// Whether none is trusted.
    pub(crate) fn is_empty(&self) -> bool {
        self.networks.is_empty()
    }

    /// Whether `peer` is in one of the networks (an IPv4 address mapped into IPv6 counts as
    /// itself).
    pub(crate) fn trusts(&self, peer: IpAddr) -> bool {
        let peer = peer.to_canonical();
        self.networks.iter().any(|n| n.contains(peer))
    }
}

impl Network {
    fn contains(self, peer: IpAddr) -> bool {
        match (self.address, peer) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                masked(u128::from(net.to_bits()) << 96, self.bits)
                    == masked(u128::from(ip.to_bits()) << 96, self.bits)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                masked(net.to_bits(), self.bits) == masked(ip.to_bits(), self.bits)
            }
            _ => false,
        }
    }
}

/// The leading `bits` of `value`.
fn masked(value: u128, bits: u8) -> u128 {
    match bits {
        0 => 0,
        bits => value & (u128::MAX << (128 - u32::from(bits))),
    }
}

/// An entry, or the fix to offer (`None` when there is no obvious one).
fn parse(entry: &str) -> Result<Network, Option<String>> {
    let (address, bits) = match entry.split_once('/') {
        Some((address, bits)) => (address, Some(bits)),
        None => (entry, None),
    };
    let address: IpAddr = address.parse().map_err(|_| None)?;
    let address = address.to_canonical();
    let max = if address.is_ipv4() { 32 } else { 128 };
    let bits = match bits {
        None => max,
        Some(bits) => bits
            .parse::<u8>()
            .ok()
            .filter(|b| *b <= max)
            .ok_or_else(|| Some(format!("{address}/{max}")))?,
    };
    let network = Network { address, bits };
    let start = network_start(network);
    if start != address {
        // Host bits set: the entry means its network, written as such.
        return Err(Some(format!("{start}/{bits}")));
    }
    Ok(network)
}

fn network_start(n: Network) -> IpAddr {
    match n.address {
        IpAddr::V4(a) => {
            let bits = masked(u128::from(a.to_bits()) << 96, n.bits) >> 96;
            IpAddr::V4(std::net::Ipv4Addr::from_bits(bits as u32))
        }
        IpAddr::V6(a) => IpAddr::V6(std::net::Ipv6Addr::from_bits(masked(a.to_bits(), n.bits))),
    }
}

/// What a trusted proxy says of the request's own origin: its host and scheme, each when said.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Forwarded<'r> {
    pub(crate) host: Option<&'r [u8]>,
    pub(crate) proto: Option<&'r [u8]>,
}

/// The host and scheme the nearest proxy gave: the last element of the last `Forwarded`
/// line when there is one, else the last `X-Forwarded-Host` and `X-Forwarded-Proto` values
/// (a proxy appends its own after what the client sent).
pub(crate) fn forwarded<R: CorsRequest + ?Sized>(request: &R) -> Forwarded<'_> {
    if let Some(line) = request.header_lines(RequestHeader::Forwarded).last() {
        let element = last_element(line);
        return Forwarded {
            host: parameter(element, b"host"),
            proto: parameter(element, b"proto"),
        };
    }
    let last = |header| {
        request
            .header_lines(header)
            .last()
            .map(last_element)
            .filter(|v| !v.is_empty())
    };
    Forwarded {
        host: last(RequestHeader::XForwardedHost),
        proto: last(RequestHeader::XForwardedProto),
    }
}

/// The text after the last comma, trimmed.
fn last_element(line: &[u8]) -> &[u8] {
    let start = line.iter().rposition(|&b| b == b',').map_or(0, |i| i + 1);
    line[start..].trim_ascii()
}

/// A `name=value` parameter of a `Forwarded` element, unquoted; `None` when absent or empty.
fn parameter<'a>(element: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    element.split(|&b| b == b';').find_map(|pair| {
        let eq = pair.iter().position(|&b| b == b'=')?;
        let (key, value) = (pair[..eq].trim_ascii(), pair[eq + 1..].trim_ascii());
        if !key.eq_ignore_ascii_case(name) {
            return None;
        }
        let value = value
            .strip_prefix(b"\"")
            .and_then(|v| v.strip_suffix(b"\""))
            .unwrap_or(value);
        (!value.is_empty()).then_some(value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RawRequest;

    fn proxies(entries: &[&str]) -> (TrustedProxies, Vec<String>) {
        let mut report = Report::default();
        let entries: Vec<String> = entries.iter().map(|e| (*e).to_owned()).collect();
        let proxies = TrustedProxies::validate(&entries, &mut report);
        let errors = report.errors.iter().map(|e| e.to_string()).collect();
        (proxies, errors)
    }

    #[test]
    fn networks_hold_their_addresses() {
        let (p, errors) = proxies(&["127.0.0.1/32", "10.0.0.0/8", "::1", "fd00::/8"]);
        assert!(errors.is_empty(), "{errors:?}");
        assert!(p.trusts("127.0.0.1".parse().unwrap()));
        assert!(!p.trusts("127.0.0.2".parse().unwrap()));
        assert!(p.trusts("10.200.3.4".parse().unwrap()));
        assert!(
            p.trusts("::ffff:10.1.1.1".parse().unwrap()),
            "an IPv4-mapped peer is its IPv4 address"
        );
        assert!(p.trusts("::1".parse().unwrap()));
        assert!(p.trusts("fdab::1".parse().unwrap()));
        assert!(!p.trusts("fe80::1".parse().unwrap()));
        let (all, _) = proxies(&["0.0.0.0/0"]);
        assert!(all.trusts("203.0.113.9".parse().unwrap()));
        assert!(!all.trusts("::2".parse().unwrap()));
    }

    #[test]
    fn entries_are_validated_with_a_fix() {
        let (_, errors) = proxies(&["10.1.2.3/8", "127.0.0.1/33", "localhost", "::1/129"]);
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(errors[0].contains("10.0.0.0/8"), "{}", errors[0]);
        assert!(errors[1].contains("127.0.0.1/32"), "{}", errors[1]);
        assert!(errors[3].contains("::1/128"), "{}", errors[3]);
    }

    #[test]
    fn the_nearest_proxy_says_the_host_and_scheme() {
        let r = RawRequest::new("POST").header(
            "Forwarded",
            "host=evil.example, for=10.0.0.1;Host=\"api.example.com\";proto=https",
        );
        let f = forwarded(&r);
        assert_eq!(f.host, Some(&b"api.example.com"[..]));
        assert_eq!(f.proto, Some(&b"https"[..]));
        let r = RawRequest::new("POST")
            .header("X-Forwarded-Host", "evil.example, api.example.com")
            .header("X-Forwarded-Proto", "https");
        let f = forwarded(&r);
        assert_eq!(f.host, Some(&b"api.example.com"[..]));
        assert_eq!(f.proto, Some(&b"https"[..]));
        assert_eq!(forwarded(&RawRequest::new("POST")), Forwarded::default());
        let r = RawRequest::new("POST").header("Forwarded", "for=1.2.3.4;host=");
        assert_eq!(forwarded(&r).host, None);
    }
}
