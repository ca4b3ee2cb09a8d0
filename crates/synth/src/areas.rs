//! Qingdao's districts (GB/T 2260 codes) with generated streets and communities below them.

use std::collections::HashSet;

use minsheng_core::area::Area;
use minsheng_core::AreaCode;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::names;

/// A district of Qingdao with the figures the generator is calibrated on.
#[derive(Debug, Clone, Copy)]
pub struct District {
    pub code: u32,
    pub name: &'static str,
    /// Approximate resident population (2020 census order of magnitude), used as weights.
    pub population: u32,
    /// Share of residents holding urban hukou.
    pub urban_share: f64,
    pub streets: u32,
}

/// Qingdao 370200 and its ten districts and county-level cities.
pub const CITY_CODE: &str = "370200";
pub const CITY_NAME: &str = "青岛市";

pub const DISTRICTS: &[District] = &[
    District {
        code: 370202,
        name: "市南区",
        population: 590_000,
        urban_share: 1.00,
        streets: 10,
    },
    District {
        code: 370203,
        name: "市北区",
        population: 1_100_000,
        urban_share: 1.00,
        streets: 22,
    },
    District {
        code: 370211,
        name: "黄岛区(西海岸新区)",
        population: 1_900_000,
        urban_share: 0.72,
        streets: 23,
    },
    District {
        code: 370212,
        name: "崂山区",
        population: 530_000,
        urban_share: 0.85,
        streets: 5,
    },
    District {
        code: 370213,
        name: "李沧区",
        population: 770_000,
        urban_share: 1.00,
        streets: 11,
    },
    District {
        code: 370214,
        name: "城阳区",
        population: 1_100_000,
        urban_share: 0.80,
        streets: 8,
    },
    District {
        code: 370215,
        name: "即墨区",
        population: 1_340_000,
        urban_share: 0.55,
        streets: 15,
    },
    District {
        code: 370281,
        name: "胶州市",
        population: 1_010_000,
        urban_share: 0.55,
        streets: 12,
    },
    District {
        code: 370283,
        name: "平度市",
        population: 1_180_000,
        urban_share: 0.40,
        streets: 17,
    },
    District {
        code: 370285,
        name: "莱西市",
        population: 730_000,
        urban_share: 0.45,
        streets: 11,
    },
];

/// The area tree: the city, its districts, and for each district its streets (街道, or 镇 in
/// rural parts) and their communities (社区, or 村). Deterministic for a seed.
pub fn area_tree(seed: u64) -> Vec<Area> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xA5EA);
    let mut areas = vec![Area {
        code: code(CITY_CODE),
        name: CITY_NAME.into(),
        urban: true,
    }];
    for d in DISTRICTS {
        areas.push(Area {
            code: code(&d.code.to_string()),
            name: d.name.into(),
            urban: d.urban_share >= 0.5,
        });
        let mut used = HashSet::new();
        for s in 1..=d.streets {
            let urban_street = rng.gen_bool(d.urban_share.clamp(0.0, 1.0));
            let street_code = format!("{}{:03}", d.code, s);
            let name = unique_name(
                &mut rng,
                &mut used,
                if urban_street { "街道" } else { "镇" },
            );
            areas.push(Area {
                code: code(&street_code),
                name,
                urban: urban_street,
            });
            let communities = if urban_street {
                rng.gen_range(12..30)
            } else {
                rng.gen_range(25..60)
            };
            let mut used_here = HashSet::new();
            for c in 1..=communities {
                let suffix = if urban_street { "社区" } else { "村" };
                let name = unique_name(&mut rng, &mut used_here, suffix);
                areas.push(Area {
                    code: code(&format!("{street_code}{c:03}")),
                    name,
                    urban: urban_street,
                });
            }
        }
    }
    areas
}

fn unique_name(rng: &mut impl Rng, used: &mut HashSet<String>, suffix: &str) -> String {
    loop {
        let name = format!("{}{suffix}", names::place(rng));
        if used.insert(name.clone()) {
            return name;
        }
    }
}

fn code(text: &str) -> AreaCode {
    AreaCode::parse(text).unwrap_or_else(|_| unreachable_code(text))
}

#[allow(clippy::panic)]
fn unreachable_code(text: &str) -> AreaCode {
    // The codes above are constructed from fixed district codes; a bad one is a bug here.
    panic!("generated an invalid area code {text}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use minsheng_core::AreaLevel;

    #[test]
    fn tree_is_deterministic_and_well_formed() {
        let a = area_tree(7);
        assert_eq!(a, area_tree(7));
        assert_eq!(
            a.iter()
                .filter(|x| x.level() == AreaLevel::District)
                .count(),
            10
        );
        let codes: HashSet<_> = a.iter().map(|x| x.code.clone()).collect();
        assert_eq!(codes.len(), a.len(), "codes are unique");
        for area in &a {
            if let Some(parent) = area.code.parent() {
                assert!(codes.contains(&parent), "{} has no parent", area.code);
            }
        }
        let communities = a
            .iter()
            .filter(|x| x.level() == AreaLevel::Community)
            .count();
        assert!(
            (2_000..8_000).contains(&communities),
            "{communities} communities"
        );
    }
}
