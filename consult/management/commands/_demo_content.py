"""The words of the demo data: people, organisations, drafts and comments.

Kept apart from ``seed_demo`` so the command reads as the sequence of service
calls it is.  Every name, organisation and country mix is invented; the
topics follow the seed case studies (KICTAnet's email-and-workshop review of a
national ICT policy, Marco Civil's published comments, the IGF Best Practice
Forum on Gender).
"""

DEMO_PASSWORD = "plenary-demo"  # noqa: S105 - a published demo password, for local use only
SECRETARIAT_EMAIL = "secretariat@example.org"
MODERATOR_EMAIL = "moderator@example.org"
STAKEHOLDER_EMAIL = "stakeholder@example.org"

# Fixed seed for the few choices the command makes at random (who endorses
# which comment), so two fresh databases get the same threads.
RANDOM_SEED = 20140423

# (handle, display name, group slug, country, self-described gender)
# Handles are only used inside this module; accounts get handle@demo.example.org.
STAFF = [
    ("secretariat", "Consultation Secretariat", "government", "KE", ""),
    ("moderator", "Moderation Desk", "government", "KE", ""),
]
STAKEHOLDER = ("stakeholder", "Nia Odhiambo (demo)", "civil-society", "KE", "woman")
PARTICIPANTS = [
    # government
    ("amina", "Amina Wekesa", "government", "KE", "woman"),
    ("joao", "João Carvalho", "government", "BR", "man"),
    ("priya", "Priya Raman", "government", "IN", ""),
    ("kofi", "Kofi Mensah", "government", "GH", "man"),
    # private sector
    ("lindiwe", "Lindiwe Dube", "private-sector", "ZA", "woman"),
    ("ade", "Adebayo Okafor", "private-sector", "NG", "man"),
    ("mariana", "Mariana Lopes", "private-sector", "BR", "woman"),
    ("ricardo", "Ricardo Fuentes", "private-sector", "MX", "man"),
    # civil society
    ("wanjiku", "Wanjiku Njoroge", "civil-society", "KE", "woman"),
    ("carlos", "Carlos Benítez", "civil-society", "CO", "man"),
    ("fatou", "Fatou Diop", "civil-society", "SN", "woman"),
    ("ana", "Ana Paula Souza", "civil-society", "BR", "woman"),
    ("meshmaker", "meshmaker", "civil-society", "ID", ""),
    ("rights", "Digital Rights Watcher", "civil-society", "PH", "non-binary"),
    # technical community
    ("tomasz", "Tomasz Kowalczyk", "technical-community", "PL", "man"),
    ("grace", "Grace Achieng", "technical-community", "UG", "woman"),
    ("hamisi", "Hamisi Juma", "technical-community", "TZ", "man"),
    ("packetpusher", "packet_pusher", "technical-community", "DE", ""),
    ("ravi", "Ravi Shrestha", "technical-community", "NP", "man"),
    # academic community
    ("helen", "Dr Helen Mwangi", "academic-community", "KE", "woman"),
    ("luis", "Luis Herrera", "academic-community", "AR", "man"),
    ("sarah", "Sarah O'Connor", "academic-community", "IE", "woman"),
    ("nadia", "Nadia Rahman", "academic-community", "BD", "woman"),
    # users
    ("lastmile", "LastMileLucy", "users", "ZA", "woman"),
    ("hills", "SignalFromTheHills", "users", "NP", ""),
    ("baraka", "Baraka", "users", "KE", "man"),
    ("farmer", "Moses the farmer", "users", "UG", "man"),
]

# (handle, name, group slug, country, website, verification note, member handles)
ORGANISATIONS = [
    (
        "rcc",
        "Rural Connectivity Coalition",
        "civil-society",
        "KE",
        "https://rcc.example.org",
        "Registration certificate and board resolution naming its representatives, "
        "checked by the Secretariat.",
        ["wanjiku", "carlos", "stakeholder"],
    ),
    (
        "rwispa",
        "Regional Wireless ISP Association",
        "private-sector",
        "ZA",
        "https://rwispa.example.org",
        "Membership register and letter from the chair, checked by the Secretariat.",
        ["lindiwe", "ade"],
    ),
    (
        "nof",
        "East African Network Operators' Forum",
        "technical-community",
        "TZ",
        "https://eanof.example.org",
        "Confirmed by email from the forum's programme committee address.",
        ["grace", "hamisi"],
    ),
]

MAIN_SLUG = "community-networks-policy"
MAIN_TITLE = "Draft National Policy on Community Networks and Meaningful Connectivity"
MAIN_SUMMARY = (
    "The Ministry responsible for ICT invites everyone to comment on a draft policy that "
    "lets communities without good service build, own and run their own networks. The "
    "draft covers a simplified licence, access to spectrum, a share of the Universal "
    "Service Fund, access to publicly funded fibre and towers, skills, and users' rights. "
    "Every comment will receive a published response explaining what happened to it."
)
MAIN_GOALS = """\
- Hear from every stakeholder group, and from the communities the Policy is meant to serve, \
before the text goes to Cabinet.
- Test whether the licensing, spectrum and funding measures are workable for small, \
volunteer-run networks.
- Identify measures that could harm existing rural investment, and alternatives to them.
- Agree on indicators of meaningful connectivity that can be measured every year."""
MAIN_GROUND_RULES = """\
- Comment on the text: say which paragraph you mean and, where you can, propose wording.
- Speak for yourself, or for an organisation only once the Secretariat has verified your \
affiliation with it. Pseudonyms are welcome.
- Be civil. Personal attacks, harassment and advertising are hidden by the moderators, \
who always publish the reason.
- The round stays open for 30 days. Comments received by email or at the county \
workshops are entered here by the Secretariat, with the channel recorded.
- The Secretariat will publish a decision on every comment, with a reason whenever a \
comment is not simply accepted."""

# (heading, [(paragraph id, Markdown)]); each paragraph becomes one commentable section.
MAIN_DRAFT = [
    (
        "1. Purpose",
        [
            (
                "purpose",
                "This Policy sets out how the Government will enable communities that are not "
                "served, or are poorly served, by commercial networks to build, own and operate "
                "their own communication networks. It complements, and does not replace, the "
                "obligations of licensed operators under the universal service framework.",
            ),
            (
                "goal",
                "The goal of this Policy is **meaningful connectivity** for every resident by "
                "2030: regular access to a fast enough connection, on a suitable device, with "
                "enough data, at a price that does not exceed 2% of average monthly income for "
                "1 GB of mobile data.",
            ),
        ],
    ),
    (
        "2. Guiding principles",
        [
            (
                "principles",
                "The Ministry will apply this Policy in keeping with the principles of openness, "
                "technology neutrality, affordability, local ownership, and the equal "
                "participation of women, persons with disabilities, young people and rural "
                "residents.",
            ),
            (
                "process",
                "Decisions under this Policy will be taken after consulting all stakeholders "
                "(government, the private sector, civil society, the technical community, the "
                "academic community and users) in their respective roles, and the reasons for "
                "each decision will be published.",
            ),
        ],
    ),
    (
        "3. Definitions",
        [
            (
                "definitions",
                "- **Community network**: a communication network built, owned and operated by "
                "a community, a cooperative, a non-profit organisation or a local enterprise, "
                "primarily to serve that community on a not-for-profit or cost-recovery basis.\n"
                "- **Meaningful connectivity**: the combination of availability, affordability, "
                "a suitable device, sufficient data and the skills to use them, as set out in "
                "section 1.\n"
                "- **Underserved area**: a locality where fewer than half of households receive "
                "a mobile broadband signal of at least 4G quality, or where the cheapest "
                "available data plan exceeds the affordability target in section 1.",
            ),
        ],
    ),
    (
        "4. Licensing and authorisation",
        [
            (
                "licence",
                "The Communications Authority will create a community network licence category, "
                "with an application form of no more than four pages, a fee set at "
                "cost-recovery level, and a decision within 60 days of application. An "
                "application not decided within that time is deemed granted.",
            ),
            (
                "services",
                "A community network licensee may offer voice, data and local content services "
                "within the area named in its licence, and may interconnect with any licensed "
                "operator on reasonable and non-discriminatory terms.",
            ),
            (
                "reporting",
                "Licensees will file a short annual report on coverage, users served and "
                "tariffs. The Authority will publish a template, and will not require audited "
                "accounts from licensees whose annual revenue is below a threshold it sets.",
            ),
        ],
    ),
    (
        "5. Spectrum",
        [
            (
                "set-aside",
                "The Authority will set aside spectrum for community networks in rural and "
                "underserved areas, including parts of the 2.3 GHz and 3.5 GHz bands where they "
                "are not in use, and will allow shared access to unused TV white spaces under a "
                "database-driven regime.",
            ),
            (
                "licence-exempt",
                "Licence-exempt use of the 5 GHz and 6 GHz bands will be extended to outdoor "
                "fixed links at power levels suitable for rural point-to-point backhaul, subject "
                "to the protection of incumbent services.",
            ),
        ],
    ),
    (
        "6. Funding and universal service",
        [
            (
                "fund",
                "At least 10% of annual disbursements from the Universal Service Fund will be "
                "reserved for community networks, through a transparent call for proposals open "
                "to community networks and their partners. Grants may cover equipment, "
                "backhaul, training and the first two years of operating costs.",
            ),
            (
                "fund-reporting",
                "The Fund's administrator will publish every year the list of funded projects, "
                "the amounts disbursed and the number of people connected, disaggregated by "
                "gender and by county.",
            ),
        ],
    ),
    (
        "7. Infrastructure sharing and backhaul",
        [
            (
                "sharing",
                "Owners of publicly funded fibre, towers, ducts and rights of way, including "
                "power utilities and road authorities, will offer access to community networks "
                "at cost-oriented prices published in a reference offer.",
            ),
            (
                "backhaul",
                "Licensed operators with significant market power in wholesale backhaul will "
                "publish a reference offer for community networks, with a capacity of at least "
                "100 Mbit/s available in every county headquarters.",
            ),
        ],
    ),
    (
        "8. Skills, local content and inclusion",
        [
            (
                "skills",
                "The Ministry will fund training programmes for community network operators, "
                "with at least half of the places reserved for women and young people, "
                "delivered locally and in national and local languages.",
            ),
            (
                "anchors",
                "Public libraries, schools and health centres in underserved areas will be "
                "connected first, and may host community network equipment free of charge.",
            ),
        ],
    ),
    (
        "9. Users' rights and data protection",
        [
            (
                "data",
                "Community networks are subject to the Data Protection Act. The Authority will "
                "publish a simplified compliance guide, and will not require community networks "
                "to collect identity documents from users beyond what the law requires of all "
                "operators.",
            ),
            (
                "consumers",
                "Users of community networks are entitled to the same consumer protections as "
                "users of other networks, including clear pricing, notice before disconnection "
                "and a complaints procedure.",
            ),
        ],
    ),
    (
        "10. Monitoring and review",
        [
            (
                "review",
                "The Ministry will publish an annual progress report against the indicators in "
                "the Annex, with data disaggregated by gender, age, disability and county, and "
                "will review this Policy after three years through an open, multistakeholder "
                "consultation.",
            ),
        ],
    ),
]

# Comments, in the order they are posted.  "on": a paragraph id from MAIN_DRAFT
# (None: the whole draft).  "org": speaks for that organisation.  "decision":
# (status, rationale) published by the secretariat; "draft": drafted, not yet
# published.  "replies": (author handle, text) in thread order.
MAIN_COMMENTS = [
    {
        "on": "purpose",
        "by": "wanjiku",
        "org": "rcc",
        "text": "We welcome the explicit recognition that communities can own and operate "
        "their own networks. Please also name cooperatives and women's groups as eligible "
        "owners: in our members' experience they keep networks running longer than "
        "committees formed only for the launch.",
        "decision": (
            "accepted",
            "Section 3 will name cooperatives and women's groups explicitly among the owners "
            "of a community network.",
        ),
        "replies": [
            (
                "meshmaker",
                "Agree. In the villages where we work, the network survived because the women's "
                "savings group took it over after the first volunteers moved to town.",
            ),
        ],
    },
    {
        "on": "purpose",
        "by": "lindiwe",
        "org": "rwispa",
        "text": 'The phrase "not served, or poorly served, by commercial networks" needs a '
        "measurable test. Without one, community networks could be licensed in towns where "
        "our members already invest, which undermines the business case for rural expansion.",
        "decision": (
            "partly_accepted",
            'The final text will refer here to the definition of "underserved area" in '
            "section 3. It will not limit community networks to underserved areas, because "
            "communities that are nominally covered may still choose to build their own "
            "network.",
        ),
        "replies": [
            (
                "carlos",
                "Community networks are not competitors to small ISPs in most places; many of "
                "our partner networks buy transit from a local ISP. A rigid coverage map would "
                "exclude peri-urban settlements that are covered on paper only.",
            ),
            (
                "ade",
                "Fair point about informal settlements. Our concern is specifically subsidised "
                "networks competing with unsubsidised ones in the same town.",
            ),
        ],
    },
    {
        "on": "goal",
        "by": "helen",
        "text": "The target of 1 GB for 2% of monthly income is a good floor, but it measures "
        "price, not use. I recommend adding a usage indicator, such as the share of people "
        "online every day, so that the goal cannot be met on paper while people stay offline.",
        "decision": ("accepted", "An indicator of daily internet use will be added to the Annex."),
    },
    {
        "on": "goal",
        "by": "priya",
        "text": "Average monthly income hides inequality. Please measure affordability against "
        "the income of the poorest 20% of households, which is where the gap is.",
        "decision": (
            "partly_accepted",
            "The headline target stays tied to average income so that it can be compared "
            "internationally; the annual report will also give affordability for the poorest "
            "20% of households.",
        ),
    },
    {
        "on": "goal",
        "by": "hills",
        "text": 'For us, "regular access" means the signal still works when it rains and when '
        "the power is off. Reliability should be part of the definition of meaningful "
        "connectivity.",
        "replies": [
            (
                "grace",
                "Seconded. Power cuts cause most outages at the rural sites our forum members "
                "support. Solar panels and batteries should be fundable under section 6.",
            ),
        ],
    },
    {
        "on": "principles",
        "by": "rights",
        "text": "Please add privacy and freedom of expression to the list of principles. A "
        "network that is affordable but surveilled does not give meaningful connectivity.",
        "draft": (
            "accepted",
            "Privacy and freedom of expression will be added to the principles.",
        ),
    },
    {
        "on": "principles",
        "by": "joao",
        "text": "Technology neutrality is welcome. In our experience with the Marco Civil "
        "consultation, it was the principle that best helped the text survive the arrival of "
        "new technologies.",
    },
    {
        "on": "principles",
        "by": "nadia",
        "text": '"Equal participation" should be backed by a target. In our study of rural '
        "networks, women were fewer than one in five trained operators even where training "
        "was open to all.",
    },
    {
        "on": "process",
        "by": "luis",
        "text": "Publishing the reasons for each decision is the most important sentence in this "
        "draft. Please say where, and how soon, they will be published: for example, in a "
        "public register within 30 days.",
        "decision": (
            "accepted",
            "The final text will commit to publishing the reasons in a public register within "
            "30 days of each decision.",
        ),
    },
    {
        "on": "process",
        "by": "baraka",
        "text": "How will people without internet access take part in these consultations? "
        "Most people in my county will never see this website.",
        "replies": [
            (
                "secretariat",
                "Thank you. The Secretariat is holding workshops in four counties during this "
                "round, and comments made there are entered here with the channel recorded. "
                "The draft can also be downloaded and returned by email.",
            ),
            (
                "baraka",
                "Thank you. Please announce the workshop dates on community radio, not only "
                "online.",
            ),
        ],
    },
    {
        "on": "definitions",
        "by": "tomasz",
        "text": "The definition should not exclude networks that charge fees to cover their "
        'costs. "Cost-recovery basis" is good, but please make clear that paying a local '
        "technician's salary counts as a cost.",
        "draft": ("accepted", ""),
    },
    {
        "on": "definitions",
        "by": "mariana",
        "text": "Local enterprises run for profit should not fall under the community network "
        "definition; they should use the existing small-ISP licence. Otherwise the new "
        "category will be used to avoid normal licensing obligations.",
        "decision": (
            "not_accepted",
            "Local enterprises that mainly serve their own community on a cost-recovery basis "
            "face the same barriers as cooperatives. The annual report required by section 4 "
            "lets the Authority check that a licensee still meets the definition.",
        ),
        "replies": [
            (
                "meshmaker",
                "Many of the networks that last are run as small businesses by a local "
                "technician. Excluding them would push them back into informality.",
            ),
        ],
    },
    {
        "on": "definitions",
        "by": "packetpusher",
        "text": 'The "underserved area" test uses 4G signal quality, but signal is not '
        "capacity: a congested 4G cell in a market town is no better than 3G. I suggest a "
        "test based on measured throughput, for example a median download speed below "
        "10 Mbit/s.",
    },
    {
        "on": "licence",
        "by": "carlos",
        "org": "rcc",
        "text": "The 60-day deemed-granted rule is excellent. Please also exempt community "
        "networks serving fewer than 500 users from licensing altogether, with a simple "
        "registration instead.",
        "decision": (
            "not_accepted",
            "A registration-only regime would leave the users of small networks without the "
            "consumer protections of section 9. The simplified licence and its cost-recovery "
            "fee are meant to keep the burden small.",
        ),
    },
    {
        "on": "licence",
        "by": "kofi",
        "text": 'From a regulator\'s point of view, "deemed granted" is risky when an '
        "application is incomplete. The 60 days should run from the date the Authority "
        "acknowledges a complete application.",
    },
    {
        "on": "licence",
        "by": "lastmile",
        "text": "A four-page form is still hard for a village committee. Could there be a "
        "helpdesk, or a sample application filled in with examples?",
        "replies": [
            (
                "grace",
                "Our forum would be glad to run application clinics with the Authority, as we "
                "already do for IP address requests.",
            ),
        ],
    },
    {
        "on": "services",
        "by": "ade",
        "org": "rwispa",
        "text": "Interconnection on reasonable and non-discriminatory terms must be reciprocal: "
        "community networks that terminate traffic from our members should accept the same "
        "terms.",
    },
    {
        "on": "services",
        "by": "ravi",
        "text": "Allowing voice services matters: in mountain villages a local VoIP service is "
        "often the first thing people use. Please confirm that community networks can obtain "
        "numbering resources.",
        "decision": (
            "out_of_scope",
            "Numbering is governed by the National Numbering Plan, which is under a separate "
            "review; this comment has been forwarded to that review.",
        ),
    },
    {
        "on": "reporting",
        "by": "sarah",
        "text": "Annual reports should be published as open data in a common, machine-readable "
        "format, so that researchers and communities can compare networks over time.",
    },
    {
        "on": "reporting",
        "by": "stakeholder",
        "text": "Please keep the annual report short. Our volunteer committee already spends its "
        "evenings on paperwork; a one-page form would be realistic.",
        "decision": ("accepted", "The report template will fit on a single page."),
    },
    {
        "on": "set-aside",
        "by": "grace",
        "org": "nof",
        "text": "TV white space databases have been slow to certify in our region. The "
        "Authority should publish a timeline, and accept databases already certified by "
        "other regulators.",
    },
    {
        "on": "set-aside",
        "by": "lindiwe",
        "org": "rwispa",
        "text": "A permanent set-aside in 3.5 GHz would fragment the band needed for 5G. We "
        "suggest secondary, use-it-or-share-it access instead.",
        "decision": (
            "partly_accepted",
            "The final text will give secondary access to unused 3.5 GHz spectrum on a "
            "use-it-or-share-it basis instead of a permanent set-aside. The 2.3 GHz set-aside "
            "remains.",
        ),
        "replies": [
            (
                "tomasz",
                "Use-it-or-share-it only works if sharing is automatic. If every request has to "
                "be negotiated with the incumbent, nothing will be shared.",
            ),
            (
                "lindiwe",
                "Agreed that a database-driven process is better than case-by-case negotiation.",
            ),
        ],
    },
    {
        "on": "set-aside",
        "by": "amina",
        "text": "The Authority will need staff and money to run a spectrum database. The Policy "
        "should say who pays for it.",
    },
    {
        "on": "licence-exempt",
        "by": "packetpusher",
        "text": "Good. Please also allow a higher EIRP for point-to-point links at 5.8 GHz in "
        "rural areas; the current limit makes links longer than 15 km unreliable.",
    },
    {
        "on": "licence-exempt",
        "by": "helen",
        "text": "A measurement campaign before and after the change would show whether the "
        "interference concerns are real. Universities can help run it.",
    },
    {
        "on": "fund",
        "by": "fatou",
        "text": "10% is a start, but many Universal Service Funds hold large unspent balances. "
        "The Policy should allocate to community networks any balance above one year's "
        "collections.",
        "decision": (
            "not_accepted",
            "How the Fund's balances are allocated is set by the Act, which this Policy cannot "
            "change. The Ministry will raise the point in the coming review of the Act.",
        ),
    },
    {
        "on": "fund",
        "by": "mariana",
        "text": "Grants should be open to private operators that partner with communities, not "
        "only to community networks, so that the best-value proposal wins.",
        "replies": [
            (
                "wanjiku",
                'The call is already open to community networks "and their partners". '
                "Opening the reserved 10% to every operator would defeat its purpose.",
            ),
        ],
    },
    {
        "on": "fund",
        "by": "farmer",
        "text": "In our area the problem is not the mast, it is the phone. Can the Fund also "
        "help people buy smartphones on credit?",
        "decision": (
            "out_of_scope",
            "Device financing is outside what the Universal Service Fund may pay for under "
            "current law. The comment has been passed to the Ministry's digital inclusion "
            "programme.",
        ),
    },
    {
        "on": "fund",
        "by": "rights",
        "text": "Grant conditions should forbid funded networks from installing content "
        "filtering or monitoring users beyond what the law requires.",
    },
    {
        "on": "fund-reporting",
        "by": "nadia",
        "text": "Disaggregation by gender is welcome. Please also include disability and age, "
        "as section 10 does.",
    },
    {
        "on": "fund-reporting",
        "by": "stakeholder",
        "text": "Please also publish which applications were refused and why. Communities "
        "learn from refusals as much as from grants.",
        "decision": (
            "partly_accepted",
            "The Fund will publish the number of refused applications and the main reasons, in "
            "aggregate. Each applicant will receive the reasons for its own refusal; individual "
            "refusals will not be published.",
        ),
    },
    {
        "on": "sharing",
        "by": "hamisi",
        "org": "nof",
        "text": "Access to power utility fibre is the biggest opportunity in this draft. Please "
        "set a deadline for the first reference offers, for example 12 months after the "
        "Policy is adopted.",
        "decision": (
            "accepted",
            "The final text will require the first reference offers within 12 months.",
        ),
    },
    {
        "on": "sharing",
        "by": "kofi",
        "text": "Road authorities have no experience of pricing duct access. A model reference "
        "offer from the Authority would help them comply.",
    },
    {
        "on": "sharing",
        "by": "ricardo",
        "text": "Cost-oriented prices must include a fair return on the original investment, "
        "otherwise private tower companies will stop building in rural areas.",
    },
    {
        "on": "backhaul",
        "by": "ade",
        "text": "100 Mbit/s in every county headquarters is achievable today, but the price "
        "matters more than the capacity. Please add a price benchmark.",
    },
    {
        "on": "backhaul",
        "by": "luis",
        "text": "Studies of rural networks in Latin America show that backhaul is usually the "
        "largest recurring cost. A price benchmark reviewed every year would do more than a "
        "capacity floor.",
        "replies": [
            (
                "packetpusher",
                "And please encourage an internet exchange point in each region, so that local "
                "traffic stays local and cheap.",
            ),
        ],
    },
    {
        "on": "skills",
        "by": "fatou",
        "text": "Training must continue after the network is built. Please budget for refresher "
        "courses and exchanges between networks, not only one-off courses.",
        "decision": (
            "accepted",
            "The training programme will include refresher training and peer exchanges.",
        ),
    },
    {
        "on": "skills",
        "by": "lastmile",
        "text": "Please include older women too. Young people are often the first to leave the "
        "village; older women stay, and they run things.",
    },
    {
        "on": "skills",
        "by": "sarah",
        "private": True,
        "text": "For the Secretariat: our institute can share anonymised data from a three-year "
        "study of 40 rural networks, if it helps in setting the training targets.",
    },
    {
        "on": "anchors",
        "by": "amina",
        "text": "Connecting schools first is right, but the equipment needs a maintenance "
        "budget: many schools connected under the last programme were offline within a year.",
    },
    {
        "on": "anchors",
        "by": "baraka",
        "text": "The health centre in our ward has had a router for two years but no data "
        "bundle. Connecting a building must include paying for the data.",
    },
    {
        "on": "data",
        "by": "rights",
        "text": "We strongly support limiting the collection of identity documents. Mandatory "
        "user registration excludes people without IDs and creates a data-breach risk for "
        "everyone else.",
        "decision": (
            "accepted",
            "The final text will state that community networks need not register their users' "
            "identities unless a law specifically requires it of them.",
        ),
        "replies": [
            (
                "joao",
                "Note that this depends on the registration rules in the Communications Act, "
                "which apply to all operators.",
            ),
            (
                "rights",
                "Then the Policy should commit to reviewing those rules so that they are "
                "proportionate for small networks.",
            ),
        ],
    },
    {
        "on": "data",
        "by": "hills",
        "text": "Many people here share one phone in a family. Please make sure the privacy "
        "rules work for shared devices.",
    },
    {
        "on": "consumers",
        "by": "tomasz",
        "text": "Notice before disconnection should not cover short outages for maintenance; "
        "a network run by volunteers cannot give formal notice before every repair.",
    },
    {
        "on": "review",
        "by": "helen",
        "text": "A review after three years is good. Please also commit to an independent "
        "mid-term evaluation, published in full.",
        "decision": (
            "partly_accepted",
            "A mid-term review will be published in full. For budget reasons it will be carried "
            "out by the Ministry with an external reviewer rather than by a fully independent "
            "evaluator.",
        ),
    },
    {
        "on": "review",
        "by": "priya",
        "text": "The indicators must be measurable with existing survey data, or the annual "
        "report will be empty. Please align them with the national household survey.",
    },
    {
        "on": None,
        "by": "ana",
        "text": "Overall this is one of the most progressive drafts on community networks we have "
        "seen. Our main concern is implementation: the draft does not say who in the Ministry "
        "is responsible, or what budget they will have.",
        "decision": (
            "noted",
            "The implementation plan, with responsibilities and budget, will be published with "
            "the final Policy.",
        ),
    },
    {
        "on": None,
        "by": "packetpusher",
        "text": "Please publish all the comments received and the reason for each decision, as "
        "was done for Marco Civil. It is the best way to show that the consultation mattered.",
    },
]

# Short replies that participants add in support of others' comments.  Who
# endorses what is drawn with RANDOM_SEED.
ENDORSEMENTS = [
    "Agree with this point; it matches what we see in the field.",
    "Strongly support. This would make a real difference to the networks we work with.",
    "I support this, and would add that the rule should be reviewed after its first year.",
    "Same experience here. Please take this on board in the next draft.",
    "Agreed. The final text should give an example, so the rule is clear to non-specialists.",
    "This is the most practical suggestion on this paragraph, in my view.",
    "+1. We raised the same issue at the county workshop.",
    "Support. Small networks cannot absorb this cost on their own.",
]
ENDORSEMENT_COUNT = 8

UPCOMING_SLUG = "gender-inclusive-participation"
UPCOMING_TITLE = "Guidelines for Gender-Inclusive Participation in Internet Policy Processes"
UPCOMING_SUMMARY = (
    "Draft guidelines for convenors of internet policy consultations on how to make sure "
    "that women and gender-diverse people can take part safely and are heard. The round "
    "opens in two weeks and stays open for five weeks."
)
UPCOMING_GOALS = (
    "Collect practical experience from organisers and participants, and agree on measures "
    "that any consultation can apply, whatever its budget."
)
UPCOMING_GROUND_RULES = (
    "Share experience, not personal information about others. Harassment is hidden at once "
    "and the moderators publish the reason. Pseudonyms are welcome."
)
UPCOMING_DRAFT = """\
# Guidelines for Gender-Inclusive Participation

## 1. Why these guidelines

Women and gender-diverse people remain under-represented in internet policy processes, \
online and in the room. These guidelines set out what convenors can do before, during \
and after a consultation to change that.

## 2. Before a consultation

Keep a draft open for comment for at least three weeks, and announce it through women's \
organisations and community media as well as the usual mailing lists.

Offer more than one way to take part: online comments, email, and workshops held at \
times and places that suit people with caring responsibilities.

## 3. During a consultation

Publish a code of conduct, name the moderators, and say how to report harassment. \
Allow participation under a pseudonym.

Track participation by self-described gender, and act during the round when the balance \
is poor, for example by reaching out to groups that are not yet heard.

## 4. After a consultation

Publish what happened to every comment and why, and report participation by gender \
alongside the outcome.
"""

MAIN_CODE_OF_CONDUCT = """\
- Argue with ideas, not with people: no insults, threats or harassment.
- No advertising, and no one else's personal data (addresses, phone numbers, health).
- Speak as yourself: do not impersonate a person or an organisation.
- Report a comment that breaks these rules with its "Report" link. A moderator
  decides, and a hidden comment shows the moderator's reason in its place.
"""
