//! Where the synthetic city stands: each district around its real place on the map, each street
//! somewhere in its district (towns further out than urban streets), each community around its
//! street, each household around its community. Deterministic for a seed and an area's code, so
//! a household is placed the same whoever asks and in whatever order.

use std::collections::HashMap;

use minsheng_core::area::Area;
use minsheng_core::geo::{Plane, Position};
use minsheng_core::AreaLevel;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Each district's centre (degrees east and north, near its government seat) and the radius in
/// metres its streets are spread over: the districts of Qingdao, roughly where they lie.
const DISTRICT_PLACES: &[(&str, f64, f64, f64)] = &[
    ("370202", 120.384, 36.067, 3_500.0),
    ("370203", 120.375, 36.088, 3_500.0),
    ("370211", 120.198, 35.960, 18_000.0),
    ("370212", 120.469, 36.107, 9_000.0),
    ("370213", 120.433, 36.145, 4_500.0),
    ("370214", 120.396, 36.307, 9_000.0),
    ("370215", 120.447, 36.389, 18_000.0),
    ("370281", 120.033, 36.264, 16_000.0),
    ("370283", 119.960, 36.787, 24_000.0),
    ("370285", 120.518, 36.888, 18_000.0),
];

/// How far from its seat a community, and a household from its community, may stand: urban
/// communities are dense, villages spread (which is where the circle has its gaps).
const URBAN_COMMUNITY_SPREAD: f64 = 1_500.0;
const RURAL_COMMUNITY_SPREAD: f64 = 5_000.0;
const URBAN_HOUSEHOLD_SPREAD: f64 = 450.0;
const RURAL_HOUSEHOLD_SPREAD: f64 = 1_000.0;

/// The synthetic city's places: the seat of every street and community it knows.
pub struct Geography {
    seed: u64,
    /// Per area code: where it stands and whether it is urban.
    seats: HashMap<String, (Position, bool)>,
}

fn disc(rng: &mut impl Rng, plane: &Plane, centre: Position, radius: f64) -> Position {
    let r = radius * rng.gen::<f64>().sqrt();
    let angle = rng.gen::<f64>() * std::f64::consts::TAU;
    plane.offset(centre, r * angle.cos(), r * angle.sin())
}

fn stream(seed: u64, salt: u64, key: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed ^ salt ^ key.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

fn key(code: &str) -> u64 {
    code.parse().unwrap_or_default()
}

impl Geography {
    /// Places the streets and communities of `areas` (those of districts it knows).
    pub fn new(areas: &[Area], seed: u64) -> Geography {
        let mut seats = HashMap::new();
        for &(district, lon, lat, radius) in DISTRICT_PLACES {
            let centre = Position::from_degrees(lon, lat);
            let plane = Plane::around(centre.lat);
            for street in areas
                .iter()
                .filter(|a| a.level() == AreaLevel::Street && a.code.as_str().starts_with(district))
            {
                let mut rng = stream(seed, 0x5354, key(street.code.as_str()));
                // Urban streets crowd the district's core; towns spread over all of it.
                let reach = if street.urban { radius * 0.5 } else { radius };
                seats.insert(
                    street.code.as_str().to_string(),
                    (disc(&mut rng, &plane, centre, reach), street.urban),
                );
            }
        }
        for community in areas.iter().filter(|a| a.level() == AreaLevel::Community) {
            let Some(&(street, _)) = community.code.parent().and_then(|s| seats.get(s.as_str()))
            else {
                continue;
            };
            let mut rng = stream(seed, 0x434d, key(community.code.as_str()));
            let spread = if community.urban {
                URBAN_COMMUNITY_SPREAD
            } else {
                RURAL_COMMUNITY_SPREAD
            };
            let at = disc(&mut rng, &Plane::around(street.lat), street, spread);
            seats.insert(community.code.as_str().to_string(), (at, community.urban));
        }
        Geography { seed, seats }
    }

    /// Where a street or community stands.
    pub fn seat(&self, code: &str) -> Option<Position> {
        self.seats.get(code).map(|&(at, _)| at)
    }

    /// Where a household of `community` lives: around the community's seat.
    pub fn household(&self, community: &str, household_id: i64) -> Option<Position> {
        let &(seat, urban) = self.seats.get(community)?;
        let mut rng = stream(self.seed, 0x4844, household_id.unsigned_abs());
        let spread = if urban {
            URBAN_HOUSEHOLD_SPREAD
        } else {
            RURAL_HOUSEHOLD_SPREAD
        };
        Some(disc(&mut rng, &Plane::around(seat.lat), seat, spread))
    }

    /// A place within `metres` of the seat of `area`, drawn for `code` (a facility's own
    /// spot near the community or street it serves).
    pub fn near(&self, area: &str, code: &str, metres: f64) -> Option<Position> {
        let seat = self.seat(area)?;
        let mut rng = stream(
            self.seed,
            0x4e52,
            code.bytes().fold(0u64, |h, b| {
                h.wrapping_mul(0x100_0000_01b3).wrapping_add(u64::from(b))
            }),
        );
        Some(disc(&mut rng, &Plane::around(seat.lat), seat, metres))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::areas::area_tree;

    #[test]
    fn every_community_is_placed_near_its_district_and_the_same_each_time() {
        let areas = area_tree(7);
        let one = Geography::new(&areas, 7);
        let again = Geography::new(&areas, 7);
        for area in areas.iter().filter(|a| a.level() == AreaLevel::Community) {
            let at = one.seat(area.code.as_str()).expect("placed");
            assert_eq!(Some(at), again.seat(area.code.as_str()));
            let district = &area.code.as_str()[..6];
            let &(_, lon, lat, radius) = DISTRICT_PLACES
                .iter()
                .find(|d| d.0 == district)
                .expect("known district");
            let centre = Position::from_degrees(lon, lat);
            let metres = Plane::around(centre.lat).distance(centre, at);
            assert!(metres <= radius + RURAL_COMMUNITY_SPREAD + 1.0, "{metres}");
        }
        let community = areas
            .iter()
            .find(|a| a.level() == AreaLevel::Community)
            .expect("a community");
        let code = community.code.as_str();
        let home = one.household(code, 42).expect("placed");
        assert_eq!(Some(home), again.household(code, 42));
        let seat = one.seat(code).expect("placed");
        assert!(Plane::around(seat.lat).distance(seat, home) <= RURAL_HOUSEHOLD_SPREAD + 1.0);
        assert_eq!(one.household("999999999999", 42), None);
    }
}
