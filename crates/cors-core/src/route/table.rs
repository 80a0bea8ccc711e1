//! Which route a request goes to (rules §11), decided without allocating: routes grouped by
//! host (exact hosts in a hash map, `*.` patterns longest first, then the routes without a
//! host), each group a tree of path segments walked to the longest prefix.

use crate::limits::MAX_ROUTE_HOST_LEN;
use crate::route::host::{HostPattern, RequestHost};
use crate::route::path::{cmp_decoded, has_dot_segment, segments, PathPrefix};
use hashbrown::HashMap;

/// What [`RouteTable::choose`] gives for a path with a `.` or `..` segment where a path
/// decides: no route, and no default either (rules §11). No route has this index
/// ([`crate::limits::MAX_ROUTES`]).
pub(crate) const DOT_SEGMENT: u16 = u16::MAX;

/// Where a route applies: its host, its path prefix, or both.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct RouteTarget {
    pub(crate) host: Option<HostPattern>,
    pub(crate) path: Option<PathPrefix>,
}

/// The routes' targets, arranged for choosing.
#[derive(Debug, Default)]
pub(crate) struct RouteTable {
    /// Exact hosts: the group of each port written, and of the host without a port.
    exact: HashMap<Box<[u8]>, PortGroups>,
    /// `*.` patterns (the suffix, starting with `.`), longest suffix first.
    wildcards: Vec<(Box<[u8]>, PortGroups)>,
    /// The routes without a host.
    any_host: Option<u32>,
    groups: Vec<PathTree>,
}

/// The groups of one host: per port written, and for any port.
#[derive(Debug, Default)]
struct PortGroups {
    ports: Vec<(u16, u32)>,
    any_port: Option<u32>,
}

impl PortGroups {
    /// The groups that apply to a request on `port`: the port's own, then any port's.
    fn for_port(&self, port: Option<u16>) -> impl Iterator<Item = u32> + '_ {
        let own = port.and_then(|port| self.ports.iter().find(|(p, _)| *p == port).map(|(_, g)| *g));
        own.into_iter().chain(self.any_port)
    }
}

/// The routes of one host group by path: node 0 is `/`.
#[derive(Debug)]
struct PathTree {
    nodes: Vec<PathNode>,
}

#[derive(Debug, Default)]
struct PathNode {
    route: Option<u16>,
    /// Sorted by segment.
    children: Vec<(Box<[u8]>, u32)>,
}

impl PathTree {
    fn new() -> Self {
        PathTree {
            nodes: vec![PathNode::default()],
        }
    }

    /// Puts `route` at `path`; returns the route already there, if any.
    fn insert(&mut self, path: Option<&PathPrefix>, route: u16) -> Option<u16> {
        let mut node = 0;
        for segment in path.map(|p| &p.segments[..]).unwrap_or_default() {
            let children = &self.nodes[node].children;
            node = match children.binary_search_by(|(s, _)| (**s).cmp(segment)) {
                Ok(at) => children[at].1 as usize,
                Err(at) => {
                    let next = self.nodes.len();
                    self.nodes.push(PathNode::default());
                    self.nodes[node]
                        .children
                        .insert(at, (segment.clone(), next as u32));
                    next
                }
            };
        }
        self.nodes[node].route.replace(route)
    }

    /// The route of the longest prefix of `path`; [`DOT_SEGMENT`] for a path with a `.` or
    /// `..` segment, which a server may resolve elsewhere than its segments say.
    #[inline]
    fn longest(&self, path: &[u8]) -> Option<u16> {
        let mut node = &self.nodes[0];
        let mut best = node.route;
        // A host's routes are often one route for all its paths: nothing to walk.
        if node.children.is_empty() {
            return best;
        }
        if has_dot_segment(path) {
            return Some(DOT_SEGMENT);
        }
        for segment in segments(path) {
            let Ok(at) = node
                .children
                .binary_search_by(|(s, _)| cmp_decoded(segment, s).reverse())
            else {
                break;
            };
            node = &self.nodes[node.children[at].1 as usize];
            best = node.route.or(best);
        }
        best
    }
}

impl RouteTable {
    /// The table of `targets` (route `i` is `targets[i]`); for each route whose target is
    /// another's already, the two indexes (the first route, the later one).
    pub(crate) fn new(targets: &[RouteTarget]) -> (RouteTable, Vec<(u16, u16)>) {
        let mut table = RouteTable::default();
        let mut same = Vec::new();
        for (route, target) in targets.iter().enumerate() {
            let route = route as u16;
            let group = table.group_of(target.host.as_ref());
            if let Some(earlier) = table.groups[group as usize].insert(target.path.as_ref(), route) {
                same.push((earlier, route));
                // The first route keeps the target.
                table.groups[group as usize].insert(target.path.as_ref(), earlier);
            }
        }
        table
            .wildcards
            .sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        (table, same)
    }

    /// The group of a host, made when it is the first route with that host.
    fn group_of(&mut self, host: Option<&HostPattern>) -> u32 {
        let next = self.groups.len() as u32;
        let slot = match host {
            None => &mut self.any_host,
            Some(host) => {
                let name: Box<[u8]> = host.name.as_bytes().into();
                let ports = if host.wildcard {
                    match self.wildcards.iter().position(|(s, _)| *s == name) {
                        Some(at) => &mut self.wildcards[at].1,
                        None => {
                            self.wildcards.push((name, PortGroups::default()));
                            &mut self.wildcards.last_mut().expect("just pushed").1
                        }
                    }
                } else {
                    self.exact.entry(name).or_default()
                };
                match host.port {
                    None => &mut ports.any_port,
                    Some(port) => {
                        if !ports.ports.iter().any(|(p, _)| *p == port) {
                            ports.ports.push((port, next));
                        }
                        let at = ports.ports.iter().position(|(p, _)| *p == port).unwrap_or(0);
                        return Self::made(&mut self.groups, ports.ports[at].1, next);
                    }
                }
            }
        };
        let group = *slot.get_or_insert(next);
        Self::made(&mut self.groups, group, next)
    }

    fn made(groups: &mut Vec<PathTree>, group: u32, next: u32) -> u32 {
        if group == next {
            groups.push(PathTree::new());
        }
        group
    }

    /// Whether any route names a host (then a request's host must be read).
    pub(crate) fn has_hosts(&self) -> bool {
        !self.exact.is_empty() || !self.wildcards.is_empty()
    }

    /// The route of a request: among the routes of the most specific host that has one for
    /// the path (exact host and port, exact host, `*.` patterns longest first, no host), the
    /// one with the longest path prefix; [`DOT_SEGMENT`] where a path with a dot segment
    /// would decide.
    #[inline]
    pub(crate) fn choose(&self, host: Option<RequestHost<'_>>, path: &[u8]) -> Option<u16> {
        if let Some(host) = host.filter(|_| self.has_hosts()) {
            if let Some(route) = self.by_host(host, path) {
                return Some(route);
            }
        }
        self.any_host
            .and_then(|group| self.groups[group as usize].longest(path))
    }

    fn by_host(&self, host: RequestHost<'_>, path: &[u8]) -> Option<u16> {
        let name = host.name();
        let in_groups = |ports: &PortGroups| {
            ports
                .for_port(host.port)
                .find_map(|group| self.groups[group as usize].longest(path))
        };
        // An exact host found as written is lowercase already (the table's are).
        if let Some(route) = self.exact.get(name).and_then(in_groups) {
            return Some(route);
        }
        if name.iter().any(u8::is_ascii_uppercase) {
            return self.by_lowered_host(host, path);
        }
        self.wildcards
            .iter()
            .filter(|(suffix, _)| name.len() > suffix.len() && name.ends_with(suffix))
            .find_map(|(_, ports)| in_groups(ports))
    }

    /// A host with upper-case letters, looked up in lowercase (browsers send lowercase).
    #[cold]
    #[inline(never)]
    fn by_lowered_host(&self, host: RequestHost<'_>, path: &[u8]) -> Option<u16> {
        let mut buffer = [0; MAX_ROUTE_HOST_LEN];
        self.by_host(host.lowered(&mut buffer)?, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(host: Option<&str>, path: Option<&str>) -> RouteTarget {
        RouteTarget {
            host: host.map(|h| HostPattern::parse(h).unwrap()),
            path: path.map(|p| PathPrefix::parse(p).unwrap()),
        }
    }

    fn table(targets: &[(Option<&str>, Option<&str>)]) -> RouteTable {
        let targets: Vec<_> = targets.iter().map(|(h, p)| target(*h, *p)).collect();
        RouteTable::new(&targets).0
    }

    fn choose(table: &RouteTable, host: &str, path: &str) -> Option<u16> {
        table.choose(RequestHost::read(host.as_bytes()), path.as_bytes())
    }

    #[test]
    fn the_longest_prefix_on_segment_boundaries_wins() {
        let t = table(&[
            (None, Some("/public")),
            (None, Some("/public/v2")),
            (None, Some("/")),
        ]);
        assert_eq!(choose(&t, "a", "/public"), Some(0));
        assert_eq!(choose(&t, "a", "/public/x"), Some(0));
        assert_eq!(choose(&t, "a", "/public/v2/x"), Some(1));
        assert_eq!(choose(&t, "a", "/publicity"), Some(2));
        assert_eq!(choose(&t, "a", "/%70ublic/x"), Some(0));
        assert_eq!(choose(&t, "a", "/public%2Fv2"), Some(2));
        let t = table(&[(None, Some("/public"))]);
        assert_eq!(choose(&t, "a", "/api"), None);
        assert_eq!(choose(&t, "a", "*"), None);
    }

    #[test]
    fn the_most_specific_host_with_a_route_for_the_path_wins() {
        let t = table(&[
            (Some("*.example.com"), None),
            (Some("api.example.com"), Some("/admin")),
            (Some("api.example.com:8443"), None),
            (None, Some("/public")),
            (Some("*.api.example.com"), None),
        ]);
        assert_eq!(choose(&t, "API.example.com:8443", "/admin"), Some(2));
        assert_eq!(choose(&t, "api.example.com", "/admin/x"), Some(1));
        assert_eq!(choose(&t, "api.example.com", "/other"), Some(0));
        assert_eq!(choose(&t, "x.api.example.com", "/"), Some(4));
        assert_eq!(choose(&t, "example.com", "/public"), Some(3));
        assert_eq!(choose(&t, "example.com", "/other"), None);
        assert_eq!(t.choose(None, b"/public/x"), Some(3));
        assert_eq!(t.choose(None, b"/admin"), None);
    }

    #[test]
    fn a_dot_segment_decides_nothing_where_a_path_would_decide() {
        let t = table(&[(Some("a.example"), None), (None, Some("/public"))]);
        // The host's one route covers every path: the path decides nothing there.
        assert_eq!(choose(&t, "a.example", "/public/../private"), Some(0));
        assert_eq!(choose(&t, "b.example", "/public/../private"), Some(DOT_SEGMENT));
        assert_eq!(choose(&t, "b.example", "/x/%2e%2e/public"), Some(DOT_SEGMENT));
        assert_eq!(choose(&t, "b.example", "/public/x"), Some(1));
    }

    #[test]
    fn a_target_given_twice_is_reported_and_the_first_route_keeps_it() {
        let targets = [
            target(Some("a.example"), Some("/x")),
            target(Some("a.example"), Some("/x")),
            target(None, None),
        ];
        let (t, same) = RouteTable::new(&targets);
        assert_eq!(same, [(0, 1)]);
        assert_eq!(t.choose(RequestHost::read(b"a.example"), b"/x"), Some(0));
    }
}
