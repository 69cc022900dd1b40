//! Every port a local run uses, in one place. All on 127.0.0.1. The fakes' ports are also the
//! `base_url`s of the test sites in `xtask/e2e/porthole.test.toml` (a test below holds them equal).

/// `cargo xtask dev`'s Worker, and its inspector.
pub const DEV: u16 = 8787;
pub const DEV_INSPECTOR: u16 = 9229;
/// The Worker `cargo xtask test` and `cargo xtask bench` start.
pub const EDGE: u16 = 18787;
/// Its inspector (wrangler wants one per running Worker).
pub const EDGE_INSPECTOR: u16 = 19229;
/// The browser tests' host pages: another origin than the edge's, allowed by the test sites.
pub const HOST: u16 = 18790;
/// [`HOST`] as an origin (`Origin` headers are written with it).
pub const HOST_ORIGIN: &str = "http://127.0.0.1:18790";
/// The Worker the restart test starts, kills and starts again, and its own fake Help Scout.
pub const RESTART_EDGE: u16 = 18797;
pub const RESTART_INSPECTOR: u16 = 19231;
pub const RESTART_HELPSCOUT: u16 = 18792;

/// The helpdesk fakes the test sites deliver into.
pub const HELPSCOUT: u16 = 18791;
pub const REAMAZE: u16 = 18793;
pub const LIBREDESK: u16 = 18794;
pub const MOTADATA: u16 = 18795;
/// A Motadata whose upload API is elsewhere, signed in with OAuth.
pub const MOTADATA_MOVED: u16 = 18796;
pub const DESKHERO: u16 = 18798;
/// A DeskHero whose ticket and upload routes are elsewhere, with a ticket lookup.
pub const DESKHERO_MOVED: u16 = 18799;

/// `http://127.0.0.1:{port}`.
pub fn local(port: u16) -> String {
    format!("http://127.0.0.1:{port}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_sites_deliver_into_the_fakes_ports() {
        let text =
            std::fs::read_to_string(crate::root().join("xtask/e2e/porthole.test.toml")).unwrap();
        for port in [
            HELPSCOUT,
            REAMAZE,
            LIBREDESK,
            MOTADATA,
            MOTADATA_MOVED,
            DESKHERO,
            DESKHERO_MOVED,
        ] {
            assert!(
                text.contains(&format!("base_url = \"{}", local(port))),
                "no test site delivers into 127.0.0.1:{port}"
            );
        }
        assert_eq!(HOST_ORIGIN, local(HOST));
        assert!(
            text.contains(HOST_ORIGIN),
            "the host pages' origin is not allowed"
        );
    }
}
