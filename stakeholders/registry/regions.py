"""Countries grouped into the regions of the UN M49 standard, for participation statistics.

M49 puts every country in one of five regions; the Americas are split here,
as the UN's own statistics usually do, into Latin America and the Caribbean
and Northern America, so six regions in all.  A static table (countries do
not move between regions): ``region_of("KE") == "africa"``.  Antarctica and
codes that are not in the table fall under ``OTHER``;
``tests/stakeholders/test_balance.py`` checks that every country
django-countries offers (but Antarctica) has a region.
"""

from django.utils.translation import gettext_lazy as _

AFRICA = "africa"
LATIN_AMERICA = "latin-america-caribbean"
NORTHERN_AMERICA = "northern-america"
ASIA = "asia"
EUROPE = "europe"
OCEANIA = "oceania"
OTHER = "other"

REGIONS: dict[str, object] = {
    AFRICA: _("Africa"),
    LATIN_AMERICA: _("Latin America and the Caribbean"),
    NORTHERN_AMERICA: _("Northern America"),
    ASIA: _("Asia"),
    EUROPE: _("Europe"),
    OCEANIA: _("Oceania"),
    OTHER: _("other or not stated"),
}

_MEMBERS = {
    AFRICA: (
        # Northern Africa
        "DZ EG LY MA SD TN EH "
        # Eastern Africa
        "IO BI KM DJ ER ET TF KE MG MW MU YT MZ RE RW SC SO SS UG TZ ZM ZW "
        # Middle Africa
        "AO CM CF TD CG CD GQ GA ST "
        # Southern Africa
        "BW SZ LS NA ZA "
        # Western Africa
        "BJ BF CV CI GM GH GN GW LR ML MR NE NG SH SN SL TG"
    ),
    LATIN_AMERICA: (
        # Caribbean
        "AI AG AW BS BB BQ VG KY CU CW DM DO GD GP HT JM MQ MS PR BL KN LC MF VC SX TT TC VI "
        # Central America
        "BZ CR SV GT HN MX NI PA "
        # South America
        "AR BO BV BR CL CO EC FK GF GY PY PE GS SR UY VE"
    ),
    NORTHERN_AMERICA: "BM CA GL PM US",
    ASIA: (
        # Central Asia
        "KZ KG TJ TM UZ "
        # Eastern Asia
        "CN HK MO KP JP MN KR TW "
        # South-eastern Asia
        "BN KH ID LA MY MM PH SG TH TL VN "
        # Southern Asia
        "AF BD BT IN IR MV NP PK LK "
        # Western Asia
        "AM AZ BH CY GE IQ IL JO KW LB OM QA SA PS SY TR AE YE"
    ),
    EUROPE: (
        # Eastern Europe
        "BY BG CZ HU PL MD RO RU SK UA "
        # Northern Europe
        "AX DK EE FO FI GG IS IE IM JE LV LT NO SJ SE GB "
        # Southern Europe
        "AL AD BA HR GI GR VA IT MT ME MK PT SM RS SI ES XK "
        # Western Europe
        "AT BE FR DE LI LU MC NL CH"
    ),
    OCEANIA: (
        # Australia and New Zealand
        "AU NZ NF CX CC HM "
        # Melanesia
        "FJ NC PG SB VU "
        # Micronesia
        "GU KI MH FM NR MP PW UM "
        # Polynesia
        "AS CK PF NU PN WS TK TO TV WF"
    ),
}

COUNTRY_REGION: dict[str, str] = {
    code: region for region, codes in _MEMBERS.items() for code in codes.split()
}


def region_of(country_code: str | None) -> str:
    """The region key of an ISO 3166-1 alpha-2 code (``OTHER`` when blank or unknown)."""
    return COUNTRY_REGION.get((country_code or "").upper(), OTHER)
