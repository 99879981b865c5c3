"""Named catalogues of fixed Azure values: role GUIDs, endpoint hosts, DNS zones, federation subjects."""
