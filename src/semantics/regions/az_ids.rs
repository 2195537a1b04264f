//! AWS's naming of AZ ids: the prefix a region code gives its AZ ids, and
//! the region prefix an AZ id carries. Pure functions of names, with their
//! own tests, used by the registry's AZ check and by the corpus tests.

/// The prefix of the AZ ids of a region whose code follows AWS's pattern
/// `AREA-DIRECTION-N` (`us-east-1`, `ap-northeast-1`, `us-gov-west-1`): the
/// area, the initials of the direction words, the number (`use1`, `apne1`,
/// `usgw1`). `None` for any other code (`dc-paris`, `eu-central`), whose
/// AZ ids the compiler does not check.
pub fn az_id_prefix(region: &str) -> Option<String> {
    let parts: Vec<&str> = region.split('-').collect();
    let (area, rest) = parts.split_first()?;
    let (number, words) = rest.split_last()?;
    let is_area = area.len() == 2 && area.bytes().all(|byte| byte.is_ascii_lowercase());
    let is_number = !number.is_empty() && number.bytes().all(|byte| byte.is_ascii_digit());
    if !is_area || !is_number || words.is_empty() {
        return None;
    }
    let mut prefix = (*area).to_string();
    for word in words {
        prefix.push_str(match *word {
            "north" => "n",
            "south" => "s",
            "east" => "e",
            "west" => "w",
            "central" => "c",
            "northeast" => "ne",
            "northwest" => "nw",
            "southeast" => "se",
            "southwest" => "sw",
            // GovCloud: us-gov-west-1 has usgw1-az1.
            "gov" => "g",
            _ => return None,
        });
    }
    prefix.push_str(number);
    Some(prefix)
}

/// The region prefix of an AZ id of AWS's form `PREFIX-azN` (`use1` of
/// `use1-az1`), where the prefix is letters then digits; `None` for an id
/// of any other form (`us-east-1a`, an AZ name; `use1-bos1-az1`, a Local
/// Zone; `par-hall1`).
pub fn az_id_region_prefix(az: &str) -> Option<&str> {
    let (prefix, number) = az.split_once("-az")?;
    let letters = prefix.trim_end_matches(|c: char| c.is_ascii_digit());
    let shaped = !number.is_empty()
        && number.bytes().all(|byte| byte.is_ascii_digit())
        && !letters.is_empty()
        && letters.len() < prefix.len()
        && letters.bytes().all(|byte| byte.is_ascii_lowercase());
    shaped.then_some(prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_region_codes_give_their_az_id_prefix() {
        for (region, prefix) in [
            ("us-east-1", "use1"),
            ("us-west-2", "usw2"),
            ("ap-northeast-1", "apne1"),
            ("ap-southeast-3", "apse3"),
            ("eu-central-1", "euc1"),
            ("ca-central-1", "cac1"),
            ("ap-south-2", "aps2"),
            ("eu-north-1", "eun1"),
            ("me-central-1", "mec1"),
            ("il-central-1", "ilc1"),
            ("sa-east-1", "sae1"),
            ("af-south-1", "afs1"),
            ("ca-west-1", "caw1"),
            ("mx-central-1", "mxc1"),
            ("us-gov-west-1", "usgw1"),
            ("cn-northwest-1", "cnnw1"),
        ] {
            assert_eq!(az_id_prefix(region).as_deref(), Some(prefix), "{region}");
        }
    }

    #[test]
    fn other_region_codes_have_no_az_id_prefix() {
        for region in [
            "dc-paris",
            "dc-ashburn",
            "eu-central",
            "lab-east-1",
            "us-east-",
            "us--1",
            "u-east-1",
            "US-east-1",
            "us-east-1a",
            "us-mid-1",
            "",
        ] {
            assert_eq!(az_id_prefix(region), None, "{region}");
        }
    }

    #[test]
    fn az_ids_in_aws_form_give_their_region_prefix() {
        assert_eq!(az_id_region_prefix("use1-az1"), Some("use1"));
        assert_eq!(az_id_region_prefix("apse3-az12"), Some("apse3"));
        for other in [
            "us-east-1a",
            "use1-bos1-az1",
            "use1-az",
            "use1-azx",
            "use-az1",
            "1-az1",
            "par-hall1",
            "Use1-az1",
        ] {
            assert_eq!(az_id_region_prefix(other), None, "{other}");
        }
    }
}
