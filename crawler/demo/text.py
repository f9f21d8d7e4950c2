"""Deterministic, clearly fictional press-release text for the demo site.

Everything here is a pure function of ``(seed, index)``: release ``k`` reads the
same whatever the size of the site it belongs to, because each release draws
from its own ``random.Random`` seeded with a string naming the seed and the
index (string seeds hash with SHA-512, so they do not depend on
``PYTHONHASHSEED``).

The organisation ("Rights Watch Demo"), its staff, partner groups, quotes and
reports are invented; country names are real but every event is made up.

    >>> core = release_core(7, 0)
    >>> core.title == release_core(7, 0).title
    True
    >>> english_blocks(core, 7)[0].text.startswith("(")
    True
"""

from __future__ import annotations

import functools
import math
import random
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

ORG_NAME = "Rights Watch Demo"

# --------------------------------------------------------------------------------------
# Reference data: regions, countries, topics, cities, staff
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class City:
    key: str
    name: str
    name_fr: str
    offset_hours: int
    tz_label: str

    @property
    def tz(self) -> timezone:
        return timezone(timedelta(hours=self.offset_hours))


@dataclass(frozen=True)
class Region:
    slug: str
    name: str
    name_fr: str
    hubs: tuple[str, ...]
    # Regional releases name a sub-region: (title form, "in ..." form, French, French "au ...").
    subregions: tuple[tuple[str, str, str, str], ...]


@dataclass(frozen=True)
class Country:
    slug: str
    name: str
    name_fr: str
    loc_fr: str  # "au Tchad", "en Guinée"
    region: str  # region slug
    the: bool = False  # "the Philippines" inside a sentence

    @property
    def in_sentence(self) -> str:
        return f"the {self.name}" if self.the else self.name


@dataclass(frozen=True)
class Topic:
    slug: str
    key: str  # short facet key: /news?topic=<key>
    name: str
    name_fr: str
    groups: tuple[str, ...]
    abuses: tuple[str, ...]
    demands: tuple[str, ...]
    acts: tuple[str, ...]
    groups_fr: tuple[str, ...]
    demand_fr: str


CITIES: dict[str, City] = {
    c.key: c
    for c in (
        City("geneva", "Geneva", "Genève", 1, "CET"),
        City("new-york", "New York", "New York", -5, "EST"),
        City("brussels", "Brussels", "Bruxelles", 1, "CET"),
        City("london", "London", "Londres", 0, "GMT"),
        City("berlin", "Berlin", "Berlin", 1, "CET"),
        City("washington", "Washington, DC", "Washington", -5, "EST"),
        City("nairobi", "Nairobi", "Nairobi", 3, "EAT"),
        City("dakar", "Dakar", "Dakar", 0, "GMT"),
        City("johannesburg", "Johannesburg", "Johannesburg", 2, "SAST"),
        City("beirut", "Beirut", "Beyrouth", 2, "EET"),
        City("amman", "Amman", "Amman", 3, "AST"),
        City("tunis", "Tunis", "Tunis", 1, "CET"),
        City("bangkok", "Bangkok", "Bangkok", 7, "ICT"),
        City("jakarta", "Jakarta", "Jakarta", 7, "WIB"),
        City("tokyo", "Tokyo", "Tokyo", 9, "JST"),
        City("sydney", "Sydney", "Sydney", 10, "AEST"),
        City("bogota", "Bogotá", "Bogota", -5, "COT"),
        City("mexico-city", "Mexico City", "Mexico", -6, "CST"),
        City("kyiv", "Kyiv", "Kyiv", 2, "EET"),
        City("tbilisi", "Tbilisi", "Tbilissi", 4, "GET"),
    )
}
GLOBAL_HUBS = ("geneva", "new-york", "brussels", "london", "berlin", "washington")
MIN_OFFSET_HOURS = min(c.offset_hours for c in CITIES.values())
MAX_OFFSET_HOURS = max(c.offset_hours for c in CITIES.values())

REGIONS: dict[str, Region] = {
    r.slug: r
    for r in (
        Region(
            "africa",
            "Africa",
            "Afrique",
            ("nairobi", "dakar", "johannesburg"),
            (
                ("Sahel", "the Sahel", "Sahel", "au Sahel"),
                ("Great Lakes", "the Great Lakes region", "Grands Lacs", "dans les Grands Lacs"),
                ("Horn of Africa", "the Horn of Africa", "Corne de l’Afrique", "dans la Corne"),
            ),
        ),
        Region(
            "americas",
            "Americas",
            "Amériques",
            ("bogota", "mexico-city", "washington"),
            (
                (
                    "Central America",
                    "Central America",
                    "Amérique centrale",
                    "en Amérique centrale",
                ),
                ("Andean Region", "the Andean region", "Région andine", "dans la région andine"),
            ),
        ),
        Region(
            "asia",
            "Asia",
            "Asie",
            ("bangkok", "jakarta", "tokyo", "sydney"),
            (
                ("Southeast Asia", "Southeast Asia", "Asie du Sud-Est", "en Asie du Sud-Est"),
                ("South Asia", "South Asia", "Asie du Sud", "en Asie du Sud"),
            ),
        ),
        Region(
            "europe-central-asia",
            "Europe and Central Asia",
            "Europe et Asie centrale",
            ("berlin", "kyiv", "tbilisi", "brussels"),
            (
                (
                    "Western Balkans",
                    "the Western Balkans",
                    "Balkans occidentaux",
                    "dans les Balkans",
                ),
                ("Central Asia", "Central Asia", "Asie centrale", "en Asie centrale"),
            ),
        ),
        Region(
            "middle-east-north-africa",
            "Middle East and North Africa",
            "Moyen-Orient et Afrique du Nord",
            ("beirut", "amman", "tunis"),
            (
                ("Gulf States", "the Gulf states", "États du Golfe", "dans le Golfe"),
                ("North Africa", "North Africa", "Afrique du Nord", "en Afrique du Nord"),
            ),
        ),
    )
}

_C = Country
COUNTRIES: tuple[Country, ...] = (
    # Africa
    _C("burkina-faso", "Burkina Faso", "Burkina Faso", "au Burkina Faso", "africa"),
    _C("burundi", "Burundi", "Burundi", "au Burundi", "africa"),
    _C("cameroon", "Cameroon", "Cameroun", "au Cameroun", "africa"),
    _C(
        "central-african-republic",
        "Central African Republic",
        "République centrafricaine",
        "en République centrafricaine",
        "africa",
        True,
    ),
    _C("chad", "Chad", "Tchad", "au Tchad", "africa"),
    _C(
        "democratic-republic-congo",
        "Democratic Republic of Congo",
        "République démocratique du Congo",
        "en République démocratique du Congo",
        "africa",
        True,
    ),
    _C("eritrea", "Eritrea", "Érythrée", "en Érythrée", "africa"),
    _C("ethiopia", "Ethiopia", "Éthiopie", "en Éthiopie", "africa"),
    _C("guinea", "Guinea", "Guinée", "en Guinée", "africa"),
    _C("kenya", "Kenya", "Kenya", "au Kenya", "africa"),
    _C("mali", "Mali", "Mali", "au Mali", "africa"),
    _C("niger", "Niger", "Niger", "au Niger", "africa"),
    _C("nigeria", "Nigeria", "Nigeria", "au Nigeria", "africa"),
    _C("rwanda", "Rwanda", "Rwanda", "au Rwanda", "africa"),
    _C("senegal", "Senegal", "Sénégal", "au Sénégal", "africa"),
    _C("somalia", "Somalia", "Somalie", "en Somalie", "africa"),
    _C("south-sudan", "South Sudan", "Soudan du Sud", "au Soudan du Sud", "africa"),
    _C("sudan", "Sudan", "Soudan", "au Soudan", "africa"),
    _C("uganda", "Uganda", "Ouganda", "en Ouganda", "africa"),
    _C("zimbabwe", "Zimbabwe", "Zimbabwe", "au Zimbabwe", "africa"),
    # Americas
    _C("brazil", "Brazil", "Brésil", "au Brésil", "americas"),
    _C("colombia", "Colombia", "Colombie", "en Colombie", "americas"),
    _C("cuba", "Cuba", "Cuba", "à Cuba", "americas"),
    _C("el-salvador", "El Salvador", "Salvador", "au Salvador", "americas"),
    _C("guatemala", "Guatemala", "Guatemala", "au Guatemala", "americas"),
    _C("haiti", "Haiti", "Haïti", "en Haïti", "americas"),
    _C("honduras", "Honduras", "Honduras", "au Honduras", "americas"),
    _C("mexico", "Mexico", "Mexique", "au Mexique", "americas"),
    _C("nicaragua", "Nicaragua", "Nicaragua", "au Nicaragua", "americas"),
    _C("peru", "Peru", "Pérou", "au Pérou", "americas"),
    _C("venezuela", "Venezuela", "Venezuela", "au Venezuela", "americas"),
    # Asia
    _C("afghanistan", "Afghanistan", "Afghanistan", "en Afghanistan", "asia"),
    _C("bangladesh", "Bangladesh", "Bangladesh", "au Bangladesh", "asia"),
    _C("cambodia", "Cambodia", "Cambodge", "au Cambodge", "asia"),
    _C("india", "India", "Inde", "en Inde", "asia"),
    _C("indonesia", "Indonesia", "Indonésie", "en Indonésie", "asia"),
    _C("malaysia", "Malaysia", "Malaisie", "en Malaisie", "asia"),
    _C("myanmar", "Myanmar", "Myanmar", "au Myanmar", "asia"),
    _C("nepal", "Nepal", "Népal", "au Népal", "asia"),
    _C("pakistan", "Pakistan", "Pakistan", "au Pakistan", "asia"),
    _C("philippines", "Philippines", "Philippines", "aux Philippines", "asia", True),
    _C("sri-lanka", "Sri Lanka", "Sri Lanka", "au Sri Lanka", "asia"),
    _C("thailand", "Thailand", "Thaïlande", "en Thaïlande", "asia"),
    _C("vietnam", "Vietnam", "Vietnam", "au Vietnam", "asia"),
    # Europe and Central Asia
    _C("azerbaijan", "Azerbaijan", "Azerbaïdjan", "en Azerbaïdjan", "europe-central-asia"),
    _C("belarus", "Belarus", "Bélarus", "au Bélarus", "europe-central-asia"),
    _C("georgia", "Georgia", "Géorgie", "en Géorgie", "europe-central-asia"),
    _C("hungary", "Hungary", "Hongrie", "en Hongrie", "europe-central-asia"),
    _C("kazakhstan", "Kazakhstan", "Kazakhstan", "au Kazakhstan", "europe-central-asia"),
    _C("kyrgyzstan", "Kyrgyzstan", "Kirghizistan", "au Kirghizistan", "europe-central-asia"),
    _C("poland", "Poland", "Pologne", "en Pologne", "europe-central-asia"),
    _C("serbia", "Serbia", "Serbie", "en Serbie", "europe-central-asia"),
    _C("tajikistan", "Tajikistan", "Tadjikistan", "au Tadjikistan", "europe-central-asia"),
    _C("turkey", "Turkey", "Turquie", "en Turquie", "europe-central-asia"),
    _C("ukraine", "Ukraine", "Ukraine", "en Ukraine", "europe-central-asia"),
    _C("uzbekistan", "Uzbekistan", "Ouzbékistan", "en Ouzbékistan", "europe-central-asia"),
    # Middle East and North Africa
    _C("algeria", "Algeria", "Algérie", "en Algérie", "middle-east-north-africa"),
    _C("bahrain", "Bahrain", "Bahreïn", "à Bahreïn", "middle-east-north-africa"),
    _C("egypt", "Egypt", "Égypte", "en Égypte", "middle-east-north-africa"),
    _C("iraq", "Iraq", "Irak", "en Irak", "middle-east-north-africa"),
    _C("jordan", "Jordan", "Jordanie", "en Jordanie", "middle-east-north-africa"),
    _C("lebanon", "Lebanon", "Liban", "au Liban", "middle-east-north-africa"),
    _C("libya", "Libya", "Libye", "en Libye", "middle-east-north-africa"),
    _C("morocco", "Morocco", "Maroc", "au Maroc", "middle-east-north-africa"),
    _C(
        "saudi-arabia",
        "Saudi Arabia",
        "Arabie saoudite",
        "en Arabie saoudite",
        "middle-east-north-africa",
    ),
    _C("syria", "Syria", "Syrie", "en Syrie", "middle-east-north-africa"),
    _C("tunisia", "Tunisia", "Tunisie", "en Tunisie", "middle-east-north-africa"),
    _C("yemen", "Yemen", "Yémen", "au Yémen", "middle-east-north-africa"),
)
COUNTRY_BY_SLUG = {c.slug: c for c in COUNTRIES}

_T = Topic
TOPICS: tuple[Topic, ...] = (
    _T(
        "refugees-and-migrants",
        "refugees",
        "Refugees and Migrants",
        "Réfugiés et migrants",
        ("asylum seekers", "migrants", "refugees", "displaced families"),
        (
            "pushbacks at the border",
            "arbitrary detention in closed camps",
            "summary deportations",
            "denial of access to asylum",
        ),
        (
            "end pushbacks at the border",
            "release asylum seekers held in closed camps",
            "halt summary deportations",
            "give everyone who asks for protection a fair hearing",
        ),
        (
            "forced people back across the border without examining their claims",
            "held families for months in overcrowded camps",
            "deported people before they could appeal",
        ),
        ("des demandeurs d’asile", "des migrants"),
        "respecter le droit d’asile",
    ),
    _T(
        "childrens-rights",
        "children",
        "Children's Rights",
        "Droits des enfants",
        ("children", "students", "child workers", "teenagers in detention"),
        (
            "child labor in mines and on farms",
            "attacks on schools",
            "detention of children alongside adults",
            "corporal punishment in schools",
        ),
        (
            "protect children from hazardous work",
            "stop using schools as military bases",
            "release children held with adults",
            "ban corporal punishment in all settings",
        ),
        (
            "sent children as young as 12 to work in dangerous conditions",
            "occupied schools and turned classrooms into barracks",
            "held children in the same cells as adult prisoners",
        ),
        ("des enfants", "des élèves"),
        "protéger les enfants contre le travail dangereux",
    ),
    _T(
        "womens-rights",
        "women",
        "Women's Rights",
        "Droits des femmes",
        (
            "women and girls",
            "women human rights defenders",
            "domestic workers",
            "survivors of violence",
        ),
        (
            "discriminatory guardianship rules",
            "barriers to justice for survivors of violence",
            "forced marriage",
            "restrictions on freedom of movement",
        ),
        (
            "abolish discriminatory guardianship rules",
            "investigate violence against women promptly",
            "end forced marriage",
            "lift restrictions on women’s freedom of movement",
        ),
        (
            "turned away women who tried to report violence",
            "required women to obtain a male relative’s permission to travel",
            "failed to act on complaints filed by survivors",
        ),
        ("des femmes et des filles", "des travailleuses domestiques"),
        "protéger les femmes contre les violences",
    ),
    _T(
        "free-speech",
        "speech",
        "Free Speech",
        "Liberté d’expression",
        ("journalists", "bloggers", "opposition activists", "peaceful protesters"),
        (
            "arrests of journalists",
            "internet shutdowns",
            "prosecutions for online posts",
            "violent dispersal of peaceful protests",
        ),
        (
            "release journalists jailed for their work",
            "stop shutting down the internet",
            "drop charges against people prosecuted for online posts",
            "respect the right to peaceful assembly",
        ),
        (
            "arrested reporters who covered the protests",
            "cut mobile internet access for weeks at a time",
            "beat demonstrators with batons and fired tear gas into crowds",
        ),
        ("des journalistes", "des manifestants pacifiques"),
        "libérer les journalistes détenus",
    ),
    _T(
        "arms",
        "arms",
        "Arms",
        "Armes",
        ("civilians", "residents of border villages", "farmers"),
        (
            "the use of cluster munitions",
            "indiscriminate shelling of populated areas",
            "the use of landmines",
            "attacks with explosive weapons in towns",
        ),
        (
            "stop using cluster munitions",
            "end indiscriminate shelling of populated areas",
            "clear landmines from farmland",
            "stop using explosive weapons in towns",
        ),
        (
            "shelled residential neighborhoods far from any military target",
            "left unexploded submunitions in fields and orchards",
            "laid mines along paths used by farmers",
        ),
        ("des civils", "des habitants des villages frontaliers"),
        "cesser les bombardements des zones habitées",
    ),
    _T(
        "disability-rights",
        "disability",
        "Disability Rights",
        "Droits des personnes handicapées",
        (
            "people with disabilities",
            "children with disabilities",
            "people with psychosocial disabilities",
        ),
        (
            "shackling in institutions",
            "exclusion from schools",
            "forced treatment in closed institutions",
            "inaccessible polling stations",
        ),
        (
            "end shackling in institutions",
            "open mainstream schools to children with disabilities",
            "end forced treatment",
            "make polling stations accessible",
        ),
        (
            "chained people to beds or trees for weeks",
            "refused to enroll children with disabilities in local schools",
            "confined people in institutions without their consent",
        ),
        ("des personnes handicapées",),
        "mettre fin à l’enfermement des personnes handicapées",
    ),
    _T(
        "environment",
        "environment",
        "Environment and Human Rights",
        "Environnement et droits humains",
        ("Indigenous communities", "fishing communities", "farmers", "environmental defenders"),
        (
            "toxic pollution from mining",
            "illegal logging on community land",
            "threats against environmental defenders",
            "forced evictions for dam projects",
        ),
        (
            "clean up toxic mining waste",
            "stop illegal logging on community land",
            "protect environmental defenders",
            "consult communities before building dams",
        ),
        (
            "allowed mining companies to dump waste into rivers",
            "ignored complaints about loggers clearing community forests",
            "evicted villagers to make way for a reservoir",
        ),
        ("des communautés autochtones", "des défenseurs de l’environnement"),
        "protéger les défenseurs de l’environnement",
    ),
    _T(
        "health",
        "health",
        "Health",
        "Santé",
        ("patients", "health workers", "older people", "pregnant women"),
        (
            "attacks on health workers",
            "shortages of essential medicines",
            "denial of care in public hospitals",
            "unaffordable fees for basic treatment",
        ),
        (
            "protect health workers from attack",
            "fix shortages of essential medicines",
            "guarantee care in public hospitals",
            "abolish fees for basic treatment",
        ),
        (
            "turned patients away from public hospitals",
            "raided clinics and detained nurses",
            "let stocks of essential medicines run out for months",
        ),
        ("des patients", "des soignants"),
        "garantir l’accès aux soins",
    ),
    _T(
        "technology-and-rights",
        "technology",
        "Technology and Rights",
        "Technologie et droits",
        ("internet users", "activists", "students", "journalists"),
        (
            "mass surveillance of phones",
            "spyware attacks on activists",
            "abusive content takedowns",
            "biometric data collection without safeguards",
        ),
        (
            "stop mass surveillance of phones",
            "investigate spyware attacks on activists",
            "end abusive content takedowns",
            "adopt safeguards for biometric data",
        ),
        (
            "installed spyware on the phones of activists",
            "ordered platforms to remove posts criticizing officials",
            "collected fingerprints and facial scans without consent",
        ),
        ("des militants", "des internautes"),
        "encadrer la surveillance numérique",
    ),
    _T(
        "counterterrorism",
        "terrorism",
        "Counterterrorism",
        "Antiterrorisme",
        ("detainees", "terrorism suspects", "relatives of suspects"),
        (
            "indefinite detention without charge",
            "torture in custody",
            "unfair trials in military courts",
            "enforced disappearances",
        ),
        (
            "charge or release detainees held without trial",
            "end torture in custody",
            "stop trying civilians in military courts",
            "reveal the fate of the disappeared",
        ),
        (
            "held suspects for months without charge",
            "beat detainees during interrogations",
            "refused to tell families where relatives were held",
        ),
        ("des détenus", "des suspects"),
        "mettre fin aux détentions sans inculpation",
    ),
    _T(
        "international-justice",
        "justice",
        "International Justice",
        "Justice internationale",
        ("victims of war crimes", "survivors", "families of the disappeared"),
        (
            "impunity for wartime abuses",
            "stalled war crimes trials",
            "amnesties for serious crimes",
            "obstruction of investigations",
        ),
        (
            "prosecute those responsible for wartime abuses",
            "revive stalled war crimes trials",
            "repeal amnesties for serious crimes",
            "cooperate with international investigators",
        ),
        (
            "shelved complaints filed by survivors",
            "promoted commanders implicated in abuses",
            "refused to hand over evidence to investigators",
        ),
        ("des victimes de crimes de guerre", "des familles de disparus"),
        "poursuivre les auteurs de crimes graves",
    ),
    _T(
        "lgbt-rights",
        "lgbt",
        "LGBT Rights",
        "Droits des personnes LGBT",
        ("LGBT people", "transgender women", "LGBT activists"),
        (
            "raids on private gatherings",
            "arrests under vague morality laws",
            "bans on advocacy groups",
            "harassment by police",
        ),
        (
            "stop raiding private gatherings",
            "repeal vague morality laws",
            "lift bans on advocacy groups",
            "end police harassment",
        ),
        (
            "raided private parties and detained guests",
            "arrested people under vague morality provisions",
            "ordered community centers to close",
        ),
        ("des personnes LGBT",),
        "cesser les arrestations de personnes LGBT",
    ),
    _T(
        "business",
        "business",
        "Business",
        "Entreprises",
        ("workers", "garment workers", "migrant workers", "plantation workers"),
        (
            "wage theft",
            "unsafe working conditions in factories",
            "forced overtime",
            "retaliation against union organizers",
        ),
        (
            "recover unpaid wages",
            "enforce safety rules in factories",
            "end forced overtime",
            "protect union organizers",
        ),
        (
            "withheld wages for months",
            "locked factory exits during shifts",
            "fired workers who tried to form a union",
        ),
        ("des ouvriers", "des travailleurs migrants"),
        "protéger les droits des travailleurs",
    ),
    _T(
        "crisis-and-conflict",
        "conflict",
        "Crisis and Conflict",
        "Crises et conflits",
        ("civilians", "displaced people", "aid workers", "residents of besieged towns"),
        (
            "attacks on civilians",
            "obstruction of humanitarian aid",
            "looting and burning of villages",
            "sexual violence by armed groups",
        ),
        (
            "protect civilians",
            "allow humanitarian aid through",
            "stop the burning of villages",
            "prevent sexual violence by armed groups",
        ),
        (
            "blocked aid convoys at checkpoints",
            "looted and burned homes in several villages",
            "fired on people fleeing the fighting",
        ),
        ("des civils", "des personnes déplacées"),
        "protéger les civils",
    ),
    _T(
        "economic-justice-and-rights",
        "economic",
        "Economic Justice and Rights",
        "Justice économique et droits",
        ("low-income families", "informal workers", "tenants", "pensioners"),
        (
            "cuts to social security",
            "forced evictions",
            "unaffordable housing",
            "exclusion from cash transfer programs",
        ),
        (
            "reverse cuts to social security",
            "stop forced evictions",
            "make housing affordable",
            "open cash transfer programs to everyone who needs them",
        ),
        (
            "evicted families without notice or compensation",
            "cut benefits without warning",
            "excluded informal workers from emergency aid",
        ),
        ("des familles à faible revenu", "des locataires"),
        "mettre fin aux expulsions forcées",
    ),
    _T(
        "rights-of-older-people",
        "older",
        "Rights of Older People",
        "Droits des personnes âgées",
        ("older people", "residents of care homes", "older refugees"),
        (
            "neglect in care homes",
            "exclusion from pension schemes",
            "age discrimination in health care",
        ),
        (
            "end neglect in care homes",
            "extend pensions to everyone over 65",
            "end age discrimination in health care",
        ),
        (
            "left care home residents without food or medicine for days",
            "denied pensions to people without birth certificates",
            "refused treatment to older patients",
        ),
        ("des personnes âgées",),
        "protéger les personnes âgées contre la négligence",
    ),
)
TOPIC_BY_SLUG = {t.slug: t for t in TOPICS}
TOPIC_BY_KEY = {t.key: t for t in TOPICS}

_FIRST = (
    "Amara", "Lucia", "Tomas", "Nadia", "Idris", "Hana", "Mateo", "Selin", "Kofi", "Ingrid",
    "Ravi", "Leila", "Jonas", "Mei", "Farid", "Elena", "Samuel", "Aylin", "Daniel", "Zainab",
    "Pavel", "Noor", "Tariq", "Clara", "Oscar", "Yara", "Kenji", "Amina", "Bruno", "Sofia",
    "Ines", "Malik",
)  # fmt: skip
_LAST = (
    "Okonkwo-Reyes", "Lindqvist", "Haddad", "Moreau", "Tanaka", "Castellano", "Abiodun",
    "Novak", "Ferreira", "Kasongo", "Rahimi", "Van Dijk", "Osei", "Petrova", "Mendes",
    "Karimova", "Delacroix", "Nakamura", "Oyelaran", "Halvorsen", "Quispe", "Marchetti",
    "Szabo", "Bakshi", "Ekwueme", "Lindgren", "Castillo", "Abdi", "Hoffmann", "Saarinen",
    "Valdivia", "Mwangi",
)  # fmt: skip
# A fixed staff of invented researchers: authors recur across releases, as on real sites.
STAFF: tuple[str, ...] = tuple(
    f"{_FIRST[i]} {_LAST[(i * 7 + 3) % len(_LAST)]}" for i in range(len(_FIRST))
)

PARTNERS = (
    "the Coalition for Fair Trials",
    "the Sahel Legal Aid Network",
    "the Regional Centre for Press Freedom",
    "the Alliance for Migrant Dignity",
    "the Open Courts Initiative",
    "the Association of Families of the Disappeared",
    "the Clean Rivers Collective",
    "the Network of Independent Clinics",
)

AUTHORITIES = (
    # (English, English title form, French, French plural?, English plural?)
    ("the authorities", "Authorities", "les autorités", True, True),
    ("security forces", "Security Forces", "les forces de sécurité", True, True),
    ("the police", "Police", "la police", False, True),
    ("the army", "Army", "l’armée", False, False),
    ("local officials", "Local Officials", "les responsables locaux", True, True),
    ("border guards", "Border Guards", "les gardes-frontières", True, True),
    ("the interior ministry", "Interior Ministry", "le ministère de l’Intérieur", False, False),
    ("prison officials", "Prison Officials", "l’administration pénitentiaire", False, True),
    ("the government", "Government", "le gouvernement", False, False),
)

PLACES = (
    # (English, French "dans ...")
    ("the northern province", "dans la province du Nord"),
    ("the capital", "dans la capitale"),
    ("border areas", "dans les zones frontalières"),
    ("the eastern region", "dans la région de l’Est"),
    ("camps near the border", "dans les camps proches de la frontière"),
    ("the southern districts", "dans les districts du Sud"),
    ("the coastal region", "dans la région côtière"),
    ("rural areas in the west", "dans les zones rurales de l’Ouest"),
    ("the central highlands", "dans les hauts plateaux du centre"),
    ("informal settlements around the capital", "dans les quartiers informels de la capitale"),
)

BODIES = (
    ("the UN Human Rights Council", "UN Rights Council"),
    ("the European Union", "EU"),
    ("donor governments", "Donors"),
    ("the UN Security Council", "UN Security Council"),
    ("regional partners", "Regional Partners"),
    ("the World Bank", "World Bank"),
    ("concerned governments", "Concerned Governments"),
)

EVENTS = (
    "the Rainy Season",
    "Upcoming Elections",
    "the Donor Conference",
    "the New School Year",
    "Winter Sets In",
    "the Summit",
)

REPORT_NAMES = (
    "They Took Everything",
    "No One Listens to Us",
    "Waiting in the Dark",
    "We Live in Fear",
    "Nowhere Safe",
    "Left Behind",
    "Without a Trace",
    "A Life on Hold",
    "Nothing Was Done",
    "Every Door Was Closed",
)

WITNESSES = (
    "mother of three",
    "teacher",
    "farmer",
    "shopkeeper",
    "nurse",
    "student",
    "taxi driver",
    "community leader",
    "lawyer",
    "grandfather",
)

MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)  # fmt: skip
MONTHS_FR = (
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
    "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip

# --------------------------------------------------------------------------------------
# Dates: release k is published in slot [f(k), f(k+1)) after START, with
# f(k) = A * ln(1 + k / B).  Slots are ~22 hours apart for the first releases and
# shrink slowly, so 36 releases span about a month in early 2022, 20,000 reach
# early 2026, and every site of up to ~45,000 releases lies in the past (date
# extractors such as htmldate reject dates after today).  Release k's date never
# depends on the size of the site, and the date in a URL narrows the index down
# to a handful of candidates.
# --------------------------------------------------------------------------------------

START = datetime(2022, 1, 3, 6, 0, tzinfo=UTC)
_A_SECONDS = 372.1 * 86400.0
_B = 400.0


def _slot_start(k: float) -> float:
    """Seconds after START at which release k's slot begins."""
    return _A_SECONDS * math.log1p(k / _B)


def index_range_for_utc(t0: datetime, t1: datetime) -> tuple[int, int]:
    """Indices (lo, hi inclusive) whose slots may overlap the UTC interval [t0, t1]."""

    def inv(t: datetime) -> float:
        s = (t - START).total_seconds()
        return _B * math.expm1(s / _A_SECONDS)

    return max(0, math.floor(inv(t0)) - 1), max(-1, math.floor(inv(t1)) + 1)


# --------------------------------------------------------------------------------------
# Small text helpers
# --------------------------------------------------------------------------------------

_SMALL = {
    "a", "an", "the", "and", "or", "of", "in", "on", "at", "to", "for", "by", "with",
    "from", "as", "into", "after", "before",
}  # fmt: skip


@functools.lru_cache(maxsize=4096)
def titlecase(phrase: str, first: bool = False) -> str:
    out = []
    for i, word in enumerate(phrase.split()):
        if (i > 0 or not first) and word in _SMALL:
            out.append(word)
        elif word[:1].islower():
            out.append("-".join(p[:1].upper() + p[1:] for p in word.split("-")))
        else:
            out.append(word)
    if out and first:
        out[0] = out[0][:1].upper() + out[0][1:]
    return " ".join(out)


def cap(text: str) -> str:
    """Uppercase the first letter (skipping opening quotes and brackets)."""
    for i, ch in enumerate(text):
        if ch.isalpha():
            return text[:i] + ch.upper() + text[i + 1 :]
    return text


def slugify(text: str, max_len: int = 90) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    ascii_text = ascii_text.lower().replace("'", "")
    words = re.findall(r"[a-z0-9]+", ascii_text)
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > max_len:
            break
        slug = candidate
    return slug or "release"


def english_date(d: datetime) -> str:
    return f"{MONTHS[d.month - 1]} {d.day}, {d.year}"


def french_date(d: datetime) -> str:
    day = "1er" if d.day == 1 else str(d.day)
    return f"{day} {MONTHS_FR[d.month - 1]} {d.year}"


def display_time(d: datetime, tz_label: str) -> str:
    hour = d.hour % 12 or 12
    ampm = "AM" if d.hour < 12 else "PM"
    return f"{english_date(d)} {hour}:{d.minute:02d}{ampm} {tz_label}"


# --------------------------------------------------------------------------------------
# Core of a release: everything but the body
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReleaseCore:
    index: int
    template: str  # 'article' or 'legacy'
    region: Region
    country: Country | None
    subregion: tuple[str, str, str, str] | None
    topics: tuple[Topic, ...]
    city: City
    authors: tuple[str, ...]
    roles: tuple[str, ...]
    org_byline: str | None
    published: datetime  # aware, in the dateline city's offset
    modified: datetime | None
    title: str
    dek: str
    slug: str  # before same-day de-duplication
    # The release's focus, reused by the body generators.
    subject: str  # "Chad", "Sahel"
    subject_in: str  # "Chad", "the Philippines", "the Sahel"
    group: str
    abuse: str
    demand: str
    auth: int  # index into AUTHORITIES
    place: int  # index into PLACES
    body: int  # index into BODIES

    @property
    def tags(self) -> list[str]:
        tags = [self.region.name]
        if self.country:
            tags.append(self.country.name)
        tags.extend(t.name for t in self.topics)
        return tags

    @property
    def tags_fr(self) -> list[str]:
        tags = [self.region.name_fr]
        if self.country:
            tags.append(self.country.name_fr)
        tags.extend(t.name_fr for t in self.topics)
        return tags


def _pick_published(rng: random.Random, k: int, city: City) -> datetime:
    lo, hi = _slot_start(k), _slot_start(k + 1)
    seconds = lo + rng.uniform(0.03, 0.97) * (hi - lo)
    when = START + timedelta(seconds=seconds)
    when = when.replace(second=0, microsecond=0)
    return when.astimezone(city.tz)


def _title(rng: random.Random, s: dict[str, str]) -> str:
    templates = (
        "{S}: {Auth} Should {Demand}",
        "{S}: {Group} Face {Abuse} in {Place}",
        "{S}: Investigate {Abuse} in {Place}",
        "{Body} Should Press {S} to {Demand}",
        "{S}: {Group} Describe {Abuse} by {Auth}",
        "{S}: End {Abuse} Before {Event}",
        "{S}: Little Progress on {Abuse} a Year After Promises of Reform",
        "{S}: Families Seek Answers After {Abuse} in {Place}",
        "{S}: New Law Would Expose {Group} to {Abuse}",
        "{S}: {Auth} Should {Demand} in {Place}",
    )
    order = list(templates)
    rng.shuffle(order)
    best = ""
    for template in order:
        title = template.format(**s)
        words = len(title.split())
        if 8 <= words <= 14:
            return title
        if not best or abs(words - 11) < abs(len(best.split()) - 11):
            best = title
    return best


def _dek(
    which: int,
    auth: str,
    subject_in: str,
    demand: str,
    place: str,
    group: str,
    abuse: str,
    body: str,
) -> str:
    if which == 0:
        return (
            f"{cap(auth)} in {subject_in} should {demand} and allow independent monitors "
            f"into {place}."
        )
    if which == 1:
        return f"{cap(group)} in {place} describe {abuse} and no meaningful response from {auth}."
    if which == 2:
        return (
            f"A new {ORG_NAME} report documents {abuse} affecting {group} in {subject_in}, "
            f"particularly in {place}."
        )
    if which == 3:
        return (
            f"{cap(body)} should urge {auth} in {subject_in} to {demand} and hold those "
            "responsible to account."
        )
    if which == 4:
        return (
            f"Witnesses in {place} describe {abuse} by {auth}; officials have yet to open an "
            "investigation."
        )
    return (
        f"{cap(group)} in {subject_in} are still waiting for justice, months after {auth} "
        f"promised to {demand}."
    )


def release_core(seed: int, k: int) -> ReleaseCore:
    """Title, dates, tags and byline of release ``k`` (cheap: no body text)."""
    rng = random.Random(f"rwd:{seed}:{k}:core")
    template = "article" if rng.random() < 0.5 else "legacy"
    if rng.random() < 0.85:
        country = rng.choice(COUNTRIES)
        region = REGIONS[country.region]
        subregion = None
        subject, subject_in = country.name, country.in_sentence
    else:
        country = None
        region = rng.choice(list(REGIONS.values()))
        subregion = rng.choice(region.subregions)
        subject, subject_in = subregion[0], subregion[1]
    topics = tuple(rng.sample(TOPICS, 2 if rng.random() < 0.45 else 1))
    hubs = region.hubs if rng.random() < 0.5 else GLOBAL_HUBS
    city = CITIES[rng.choice(hubs)]
    n_authors = rng.choice((1, 1, 1, 2, 2, 3))
    authors = tuple(rng.sample(STAFF, n_authors))
    role_choices = (
        f"{region.name} director",
        f"deputy {region.name} director",
        f"senior {region.name} researcher",
        f"{region.name} researcher",
        "senior legal adviser",
        "advocacy director",
    )
    roles = tuple(rng.choice(role_choices) for _ in authors)
    org_byline = None
    if rng.random() < 0.3:
        org_byline = f"{ORG_NAME} and {rng.choice(PARTNERS)}"
    published = _pick_published(rng, k, city)
    modified = None
    if rng.random() < 0.25:
        delta = timedelta(minutes=rng.randint(3 * 60, 20 * 24 * 60))
        modified = published + delta

    topic = topics[0]
    group = rng.choice(topic.groups)
    abuse = rng.choice(topic.abuses)
    demand = rng.choice(topic.demands)
    auth = rng.randrange(len(AUTHORITIES))
    place = rng.randrange(len(PLACES))
    body = rng.randrange(len(BODIES))
    slots = {
        "S": subject,
        "Auth": AUTHORITIES[auth][1],
        "Demand": titlecase(demand),
        "Group": titlecase(group),
        "Abuse": titlecase(abuse),
        "Place": titlecase(PLACES[place][0]),
        "Body": BODIES[body][1],
        "Event": rng.choice(EVENTS),
    }
    title = _title(rng, slots)

    auth_en = AUTHORITIES[auth][0]
    place_en = PLACES[place][0]
    body_en = BODIES[body][0]
    dek = _dek(rng.randrange(6), auth_en, subject_in, demand, place_en, group, abuse, body_en)

    return ReleaseCore(
        index=k,
        template=template,
        region=region,
        country=country,
        subregion=subregion,
        topics=topics,
        city=city,
        authors=authors,
        roles=roles,
        org_byline=org_byline,
        published=published,
        modified=modified,
        title=title,
        dek=dek,
        slug=slugify(title),
        subject=subject,
        subject_in=subject_in,
        group=group,
        abuse=abuse,
        demand=demand,
        auth=auth,
        place=place,
        body=body,
    )


@dataclass(frozen=True)
class FrenchCore:
    title: str
    dek: str
    slug: str
    subject: str
    subject_loc: str  # "au Tchad"
    group: str
    demand: str


def french_core(core: ReleaseCore, seed: int) -> FrenchCore:
    rng = random.Random(f"rwd:{seed}:{core.index}:fr-core")
    if core.country:
        subject, loc = core.country.name_fr, core.country.loc_fr
    else:
        assert core.subregion is not None
        subject, loc = core.subregion[2], core.subregion[3]
    topic = core.topics[0]
    group = rng.choice(topic.groups_fr)
    demand = topic.demand_fr
    auth_fr, plural = AUTHORITIES[core.auth][2], AUTHORITIES[core.auth][3]
    doit = "doivent" if plural else "doit"
    place_fr = PLACES[core.place][1]
    titles = (
        f"{subject} : {auth_fr} {doit} {demand} sans plus attendre",
        f"{subject} : de graves abus contre {group} {place_fr}",
        f"{subject} : les familles réclament justice après des violences {place_fr}",
        f"{subject} : peu de progrès un an après les promesses de réforme",
        f"{subject} : la communauté internationale doit exiger des comptes",
    )
    title = rng.choice(titles)
    title = title[: len(subject) + 3] + cap(title[len(subject) + 3 :])
    devraient = "devraient" if plural else "devrait"
    deks = (
        f"{cap(auth_fr)} {loc} {devraient} {demand} et permettre l’accès d’observateurs "
        f"indépendants.",
        f"Un nouveau rapport de {ORG_NAME} documente des abus contre {group} {place_fr}.",
        f"Les témoins décrivent des abus graves {place_fr} ; aucune enquête n’a encore été "
        f"ouverte.",
    )
    dek = rng.choice(deks)
    return FrenchCore(title, dek, slugify(title), subject, loc, group, demand)


# --------------------------------------------------------------------------------------
# Bodies
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """One block of body text: a paragraph, a subheading, a list item or a quote."""

    kind: str  # 'p', 'h2', 'li', 'blockquote'
    text: str
    link_text: str | None = None  # a substring of text rendered as a link
    link_target: str | int | None = None  # 'pdf' or the index of an earlier release


_EN_SENTENCES = (
    "{ORG} interviewed {n} people, including {group}, lawyers, and aid workers, between "
    "{month} and {month2} {year}.",
    "Researchers also reviewed court documents, medical records, and photographs shared by "
    "relatives.",
    "Several people described {abuse} by {auth} in {place}.",
    "{Group} told {ORG} that {auth} {act}.",
    "In one case, {auth} {act2} without any explanation.",
    "Officials did not respond to a letter sent by {ORG} in {month2} requesting information "
    "about the cases.",
    "The government has denied the allegations but has not allowed independent observers "
    "into {place}.",
    "Under international human rights law, {subject_in} is obligated to protect the rights "
    "of everyone on its territory, including {group}.",
    "{Body} should press the authorities to {demand}.",
    "The abuses have continued despite repeated promises of reform by senior officials.",
    "Lawyers representing the victims said they had been threatened after filing complaints.",
    "At least {n2} people have been affected since {month} {year}, according to figures "
    "compiled by local groups.",
    "Many of those affected said they were afraid to speak publicly for fear of reprisals.",
    "Humanitarian agencies have warned that the situation in {place} is deteriorating quickly.",
    "None of the officials implicated in the abuses has been prosecuted, and victims have "
    "received no compensation.",
    "The authorities should ensure prompt, impartial, and independent investigations into "
    "all allegations of {abuse}.",
    "Relatives said they learned about the arrests only days later, through neighbors.",
    "A decree adopted in {month} {year} gives {auth} broad powers with little judicial oversight.",
    "Community leaders in {place} said the measures had deepened existing hardship.",
    "The UN special rapporteur covering the issue has called for an end to {abuse}.",
    "Agencies funding programs in {subject_in} should make sure their support does not "
    "contribute to further abuses.",
    "Independent journalists have been barred from visiting {place} since {month}.",
    "Witnesses gave consistent accounts of the events, which {ORG} corroborated with "
    "satellite imagery and video footage.",
    "The families of {n3} people are still waiting for information about their loved ones.",
    "Medical workers in {place} said they had treated dozens of people with injuries "
    "consistent with these accounts.",
    "Authorities in the capital have dismissed the findings as exaggerated.",
    "Civil society groups have repeatedly called for a public inquiry.",
    "The justice ministry announced an internal review in {month2}, but its findings have "
    "not been made public.",
    "International partners should make clear that continued cooperation depends on "
    "concrete progress.",
    "{Group} in {place} said they had nowhere else to turn.",
    "The courts have so far rejected every petition challenging the measures.",
    "Parliament should amend the law to bring it in line with international standards.",
    "Two people who spoke to researchers were later summoned for questioning.",
    "The pattern of abuse documented by {ORG} suggests a deliberate policy rather than the "
    "actions of a few individuals.",
    "Some of the victims were held in unofficial places of detention, including a disused "
    "warehouse on the outskirts of the capital.",
    "Aid organizations estimate that the number of people in need of assistance has doubled "
    "since {month}.",
    "Officials told local media that an investigation was underway, but no one has been charged.",
    "The authorities should also ensure that victims and witnesses are protected from retaliation.",
    "Several of those interviewed had fled their homes more than once in the past {n4} months.",
    "The national human rights commission has received more than {n2} complaints but has "
    "published no findings.",
    "{Auth} {have} defended {their} actions as necessary to maintain public order.",
    "Local organizations that tried to document the abuses said they were followed and "
    "photographed.",
    "The government should invite the relevant UN experts to visit {place} without restrictions.",
    "Without sustained international attention, the abuses are likely to continue.",
)

# Sentences that mention "donate", "share", "newsletter" or "subscribe" in passing:
# a filter that drops every sentence containing those words loses real text.
_EN_TRAPS = (
    "Governments that pledged to donate emergency funds at the {month} conference should "
    "disburse them without further delay.",
    "Officials refused to share information about the whereabouts of the detainees with "
    "their families.",
    "A local newsletter that had documented the abuses in {place} was forced to close in {month}.",
    "Residents who tried to share videos of the incident online said their accounts were "
    "suspended.",
    "Several businesses that offered to donate food to displaced families said police later "
    "questioned their owners.",
    "The monthly newsletter of a lawyers’ association, which circulated among families of "
    "detainees, was banned in {month}.",
    "Volunteers who tried to donate blankets and medicine at the camp were turned away by guards.",
    "Families said they could not afford to subscribe to private health insurance and "
    "depended on public clinics.",
    "Teachers said they were told not to share the names of missing students with journalists.",
)

_EN_QUOTES = (
    "The authorities cannot keep ignoring {abuse} while families wait for answers",
    "{Group} deserve protection, not punishment",
    "Every week that passes without action puts more lives at risk",
    "The government’s promises mean little as long as {abuse} continues",
    "{Body} should use every opportunity to press for real change",
    "People in {place} are paying the price for official inaction",
    "There is no excuse for the silence of those who could make a difference",
    "Those responsible need to be held to account, whatever their rank",
)

_EN_WITNESS_QUOTES = (
    "They came at night and took my son. We went to every police station in {place}, but "
    "nobody would tell us where he was. It has been {n4} months now.",
    "We left with nothing, not even our documents. Now they tell us we cannot get help "
    "without papers.",
    "I reported what happened three times. Each time they told me to go home and forget about it.",
    "The children ask me every day when we can go back. I do not know what to tell them.",
)

_EN_SUBHEADINGS = (
    "Arbitrary Arrests and Detention",
    "{Abuse_t}",
    "Accounts From {Place_t}",
    "Lack of Accountability",
    "International Response",
    "Background",
    "Legal Obligations",
    "Impact on {Group_t}",
)

_EN_LIST_ITEMS = (
    "Release everyone detained solely for exercising their rights.",
    "Open independent investigations into all allegations of {abuse}.",
    "Grant humanitarian agencies unhindered access to {place}.",
    "Publish data on the number of people detained and the legal basis for their detention.",
    "Ensure that victims receive adequate compensation.",
    "Allow independent monitors to visit all places of detention.",
    "{Demand}.",
)


def _en_slots(core: ReleaseCore, rng: random.Random) -> dict[str, str]:
    topic = core.topics[-1]
    m = core.published.month
    # "between {month} and {month2} {year}": two months before publication, in order.
    if m >= 4:
        year = core.published.year
        month_i = rng.randint(0, m - 4)
        month2_i = rng.randint(month_i + 1, m - 2)
    else:
        year = core.published.year - 1
        month_i = rng.randint(0, 8)
        month2_i = rng.randint(month_i + 1, 11)
    other_groups = [g for g in core.topics[0].groups if g != core.group] or [core.group]
    auth, _title, _fr, _fr_plural, plural = AUTHORITIES[core.auth]
    return {
        "ORG": ORG_NAME,
        "subject_in": core.subject_in,
        "group": core.group,
        "Group": cap(core.group),
        "abuse": core.abuse,
        "demand": core.demand,
        "Demand": cap(core.demand),
        "auth": auth,
        "Auth": cap(auth),
        "have": "have" if plural else "has",
        "their": "their" if plural else "its",
        "place": PLACES[core.place][0],
        "Body": cap(BODIES[core.body][0]),
        "act": rng.choice(core.topics[0].acts),
        "act2": rng.choice(topic.acts),
        "month": MONTHS[month_i],
        "month2": MONTHS[month2_i],
        "year": str(year),
        "n": str(rng.randint(24, 140)),
        "n2": str(rng.randint(150, 2400)),
        "n3": str(rng.randint(9, 80)),
        "n4": str(rng.randint(3, 18)),
        "Abuse_t": titlecase(core.abuse, first=True),
        "Place_t": titlecase(PLACES[core.place][0].removeprefix("the "), first=True),
        "Group_t": titlecase(rng.choice(other_groups), first=True),
    }


def _lead(core: ReleaseCore, s: dict[str, str], rng: random.Random) -> list[str]:
    when = core.published
    dateline = f"({core.city.name}, {english_date(when)}) – "
    report = rng.choice(REPORT_NAMES)
    first = rng.choice(
        (
            f"{s['Auth']} in {s['subject_in']} {s['have']} been responsible for {s['abuse']} "
            f"in {s['place']} since {s['month']}, {ORG_NAME} said today.",
            f"{s['Group']} in {s['subject_in']} face {s['abuse']} and little hope of redress, "
            f"{ORG_NAME} said today.",
            f"{s['Auth']} in {s['subject_in']} should immediately {s['demand']}, {ORG_NAME} "
            f"said in a report released today.",
            f"{s['Body']} should press {s['auth']} in {s['subject_in']} to {s['demand']}, "
            f"{ORG_NAME} said today.",
        )
    )
    follow = [
        f"The {rng.randint(30, 140)}-page report, “{report}: {s['Abuse_t']} in "
        f"{core.subject},” documents {s['abuse']} affecting {s['group']} in {s['place']}.",
        f"Those responsible for the abuses have not been held to account, and {s['group']} "
        f"continue to live in fear.",
        f"{ORG_NAME} found that {s['auth']} {s['act']}.",
    ]
    rng.shuffle(follow)
    return [dateline + first, *follow[: rng.randint(1, 3)]]


def _make_room(paragraph: list[tuple[str, str]]) -> None:
    """Keep a paragraph at five sentences: drop its last plain sentence if needed."""
    if len(paragraph) < 5:
        return
    for i in range(len(paragraph) - 1, -1, -1):
        if paragraph[i][0] == "plain":
            del paragraph[i]
            return


def english_blocks(core: ReleaseCore, seed: int) -> list[Block]:
    """Body of the English release: paragraphs, subheadings, list items, quotes."""
    rng = random.Random(f"rwd:{seed}:{core.index}:body")
    s = _en_slots(core, rng)

    n_paragraphs = rng.randint(5, 12)
    pool = list(_EN_SENTENCES)
    rng.shuffle(pool)
    sizes = [rng.randint(2, 5) for _ in range(n_paragraphs - 1)]
    while sum(sizes) > len(pool):
        sizes[sizes.index(max(sizes))] -= 1
    paragraphs: list[list[tuple[str, str]]] = [[("lead", t) for t in _lead(core, s, rng)]]
    for size in sizes:
        paragraphs.append([("plain", pool.pop().format(**s)) for _ in range(size)])
    later = range(1, n_paragraphs)

    # Links: to an earlier release (any site has it) and, sometimes, to the annual report.
    links: dict[int, tuple[str, str | int]] = {}
    if core.index > 0 and rng.random() < 0.5:
        j = core.index - rng.randint(1, min(core.index, 40))
        i = rng.choice(later)
        _make_room(paragraphs[i])
        paragraphs[i].append(("link", f"{ORG_NAME} has previously reported on related abuses."))
        links[i] = ("previously reported", j)
    if rng.random() < 0.2:
        i = rng.choice(later)
        if i not in links:
            _make_room(paragraphs[i])
            paragraphs[i].append(
                (
                    "link",
                    "These findings build on the organization’s annual report, which reviews "
                    "developments in more than 90 countries.",
                )
            )
            links[i] = ("annual report", "pdf")

    # Quotes from the release's own researchers: 1-3 paragraphs open with one.
    quotes = list(_EN_QUOTES)
    rng.shuffle(quotes)
    for i in rng.sample(later, min(n_paragraphs - 1, rng.randint(1, 3))):
        a = rng.randrange(len(core.authors))
        quote = quotes.pop().format(**s)
        said = f"said {core.authors[a]}, {core.roles[a]} at {ORG_NAME}"
        _make_room(paragraphs[i])
        paragraphs[i].insert(0, ("quote", f"“{quote},” {said}."))

    # Sentences that merely mention donating, sharing or a newsletter.
    for i, trap in zip(
        rng.sample(later, 2 if n_paragraphs > 8 else 1),
        rng.sample(_EN_TRAPS, 2),
        strict=False,
    ):
        _make_room(paragraphs[i])
        at = rng.randint(1 if paragraphs[i][0][0] == "quote" else 0, len(paragraphs[i]))
        paragraphs[i].insert(at, ("trap", trap.format(**s)))

    # Subheadings before some later paragraphs.
    heads = list(_EN_SUBHEADINGS)
    rng.shuffle(heads)
    head_at: dict[int, str] = {}
    for i in rng.sample(range(2, n_paragraphs), min(n_paragraphs - 2, rng.randint(0, 2))):
        head_at[i] = heads.pop().format(**s)

    extra = rng.random()
    quote_at = rng.randrange(2, n_paragraphs) if extra < 0.3 else None
    list_after = n_paragraphs - 1 if 0.3 <= extra < 0.65 else None

    blocks: list[Block] = []
    for i, sentences in enumerate(paragraphs):
        if i in head_at:
            blocks.append(Block("h2", head_at[i]))
        text = " ".join(t for _, t in sentences)
        link = links.get(i)
        blocks.append(Block("p", text, *link) if link else Block("p", text))
        if i == quote_at:
            witness = rng.choice(WITNESSES)
            said = rng.choice(_EN_WITNESS_QUOTES).format(**s)
            blocks.append(Block("blockquote", f"“{said}”"))
            blocks.append(
                Block(
                    "p",
                    f"The account, given by a {rng.randint(19, 74)}-year-old {witness} from "
                    f"{s['place']}, matched those of other witnesses. {ORG_NAME} withheld "
                    "names to protect the people it interviewed.",
                )
            )
        if i == list_after:
            blocks.append(
                Block(
                    "p",
                    "The authorities should take urgent steps to stop the abuses. In "
                    "particular, they should:",
                )
            )
            items = rng.sample(_EN_LIST_ITEMS, rng.randint(3, 5))
            blocks.extend(Block("li", item.format(**s)) for item in items)
    return blocks


_FR_SENTENCES = (
    "{ORG} a interrogé {n} personnes, dont des avocats, des travailleurs humanitaires et des "
    "proches des victimes.",
    "Plusieurs témoins ont décrit des abus commis par {auth} {lieu}.",
    "Les autorités n’ont pas répondu à une lettre envoyée par {ORG} en {mois}.",
    "Le gouvernement a nié les accusations, mais n’a pas autorisé d’observateurs "
    "indépendants à se rendre sur place.",
    "En vertu du droit international, l’État est tenu de protéger les droits de toutes les "
    "personnes sur son territoire.",
    "Au moins {n2} personnes ont été touchées depuis {mois} {annee}, selon des organisations "
    "locales.",
    "Les familles de {n3} personnes attendent toujours des informations sur leurs proches.",
    "Aucun responsable n’a été poursuivi et les victimes n’ont reçu aucune indemnisation.",
    "Les partenaires internationaux devraient exiger des progrès concrets.",
    "Les avocats des victimes affirment avoir reçu des menaces après le dépôt de leurs plaintes.",
    "De nombreuses personnes ont dit avoir peur de témoigner publiquement par crainte de "
    "représailles.",
    "Les agences humanitaires avertissent que la situation se dégrade rapidement {lieu}.",
    "Le parlement devrait modifier la loi afin de la rendre conforme aux normes internationales.",
    "Les tribunaux ont jusqu’à présent rejeté tous les recours contre ces mesures.",
    "{ORG} a déjà documenté des abus similaires au cours des années précédentes.",
    "Des journalistes indépendants n’ont pas pu se rendre {lieu} depuis {mois}.",
    "Le ministère de la Justice a annoncé une enquête interne, dont les conclusions n’ont "
    "pas été rendues publiques.",
    "Les témoignages recueillis concordent avec des images satellites et des vidéos "
    "analysées par {ORG}.",
    "Des organisations locales réclament depuis longtemps une commission d’enquête indépendante.",
    "Sans une attention internationale soutenue, ces abus risquent de se poursuivre.",
    "Deux personnes interrogées ont ensuite été convoquées par la police.",
    "Des soignants {lieu} ont soigné des dizaines de blessés dont les lésions concordent avec "
    "ces récits.",
)
_FR_TRAPS = (
    "Les responsables ont refusé de partager des informations avec les familles des détenus.",
    "Une lettre d’information locale qui documentait les abus a été contrainte de cesser sa "
    "parution en {mois}.",
    "Des bénévoles venus faire un don de couvertures au camp ont été refoulés par les gardes.",
)
_FR_QUOTES = (
    "Les autorités ne peuvent pas continuer à ignorer ces abus",
    "Chaque semaine sans action met davantage de vies en danger",
    "Les victimes méritent justice et protection",
    "Les promesses du gouvernement ne valent rien tant que les abus continuent",
)
_FR_SUBHEADINGS = (
    "Contexte",
    "Absence de justice",
    "Réaction internationale",
    "Témoignages",
    "Obligations juridiques",
)
_FR_LIST_ITEMS = (
    "Libérer toutes les personnes détenues arbitrairement.",
    "Ouvrir des enquêtes indépendantes sur les abus.",
    "Garantir aux agences humanitaires un accès sans entrave.",
    "Indemniser les victimes de manière adéquate.",
    "Autoriser des observateurs indépendants à visiter tous les lieux de détention.",
)


def french_blocks(core: ReleaseCore, fr: FrenchCore, seed: int) -> list[Block]:
    """Body of the French translation (shorter and simpler than the English one)."""
    rng = random.Random(f"rwd:{seed}:{core.index}:body-fr")
    when = core.published
    m = when.month
    auth_fr = AUTHORITIES[core.auth][2]
    s = {
        "ORG": ORG_NAME,
        "auth": auth_fr,
        "lieu": PLACES[core.place][1],
        "mois": MONTHS_FR[(m - 1 - rng.randint(3, 8)) % 12],
        "annee": str(when.year - 1 if m <= 3 else when.year),
        "n": str(rng.randint(24, 140)),
        "n2": str(rng.randint(150, 2400)),
        "n3": str(rng.randint(9, 80)),
    }
    plural = AUTHORITIES[core.auth][3]
    lead = (
        f"({core.city.name_fr}, le {french_date(when)}) – {cap(auth_fr)} {fr.subject_loc} "
        f"{'doivent' if plural else 'doit'} {fr.demand} et traduire les responsables en "
        f"justice, a déclaré {ORG_NAME} aujourd’hui."
    )
    n_paragraphs = rng.randint(5, 9)
    pool = list(_FR_SENTENCES)
    rng.shuffle(pool)
    paragraphs: list[list[str]] = [
        [lead, f"Les abus visent en particulier {fr.group} {s['lieu']}."]
    ]
    for _ in range(n_paragraphs - 1):
        size = rng.randint(2, 3)
        paragraphs.append([pool.pop().format(**s) for _ in range(min(size, len(pool)))])
    a = rng.randrange(len(core.authors))
    i = rng.randrange(1, n_paragraphs)
    paragraphs[i].insert(
        0,
        f"« {rng.choice(_FR_QUOTES)} », a déclaré {core.authors[a]}, de {ORG_NAME}.",
    )
    i = rng.randrange(1, n_paragraphs)
    paragraphs[i].append(rng.choice(_FR_TRAPS).format(**s))

    blocks: list[Block] = []
    head_at = rng.randrange(2, n_paragraphs)
    for i, sentences in enumerate(paragraphs):
        if i == head_at:
            blocks.append(Block("h2", rng.choice(_FR_SUBHEADINGS)))
        blocks.append(Block("p", " ".join(sentences)))
    if rng.random() < 0.5:
        blocks.append(Block("p", "Les autorités devraient notamment :"))
        blocks.extend(Block("li", t) for t in rng.sample(_FR_LIST_ITEMS, 3))
    return blocks


# --------------------------------------------------------------------------------------
# Fixed prose for the non-release pages
# --------------------------------------------------------------------------------------

ABOUT_PARAGRAPHS = (
    f"{ORG_NAME} is an imaginary organization that exists only on this demonstration "
    "website. It was invented so that software which archives news releases can be tested "
    "against a site that looks and behaves like a real one, without sending a single "
    "request to a real organization's servers.",
    "Like the groups it imitates, the organization presents itself as independent and "
    "nonpartisan. Its fictional researchers travel to fictional places, interview people "
    "who do not exist, and publish their findings in reports and news releases whose "
    "wording is assembled by a deterministic generator from a small bank of sentences.",
    "The staff listed on this site are invented as well. Any resemblance between their "
    "names and those of real people is a coincidence, and nothing published here should be "
    "read as a statement about any real government, company, or person.",
    "Our work is organized by region and by topic. Teams cover Africa, the Americas, Asia, "
    "Europe and Central Asia, and the Middle East and North Africa, while thematic "
    "divisions follow issues such as the rights of refugees and migrants, children, women, "
    "and people with disabilities.",
    "The organization accepts no money from governments, directly or indirectly, and relies "
    "on the imaginary generosity of imaginary supporters. Its annual report describes how "
    "these funds are spent and lists the fictional foundations that support its work.",
)

PRIVACY_PARAGRAPHS = (
    "This privacy policy explains what information this demonstration website collects "
    "when you visit it, and why. In short: the site runs on your own computer, it is "
    "served by a small program written for testing, and it keeps no record of visitors "
    "beyond the list of requests that the test suite inspects.",
    "When you sign up for email updates on a real website, the organization behind it "
    "usually stores your email address, the date you subscribed, and the topics you chose. "
    "The forms on this site are decorative: they are not connected to anything, and "
    "submitting them does not store anything anywhere.",
    "Real websites often use analytics services to count visits and measure which pages "
    "are read. The analytics code on these pages only imitates such services; it loads no "
    "external script and sends nothing over the network.",
    "If you have questions about this policy, remember that the organization does not "
    "exist. Questions about the software that serves this site belong in its repository.",
)

COOKIE_PARAGRAPHS = (
    "Cookies are small text files that websites place on your device. This demonstration "
    "site does not set any cookies, even though it displays a notice about them, as many "
    "real websites do.",
    "The notice is there because crawlers and text extraction tools must learn to ignore "
    "such notices: they appear on nearly every page of real news sites and must never be "
    "mistaken for the text of an article.",
)

DONATE_PARAGRAPHS = (
    "Supporters make our imaginary work possible. Because we accept no government funding, "
    "every contribution helps fictional researchers investigate fictional abuses and "
    "publish fictional findings on this demonstration website.",
    "Nothing on this page accepts payment. The buttons are there because real websites "
    "surround their articles with appeals like this one, and archiving software must learn "
    "to leave them out.",
)

GET_INVOLVED_PARAGRAPHS = (
    "There are many ways to support the work of an organization like this one: reading and "
    "sharing its research, attending its events, joining a local committee, or writing to "
    "elected officials about the issues it covers.",
    "This page imitates the volunteer and membership pages of real organizations. None of "
    "the committees, film festivals or benefit dinners mentioned on this site will ever "
    "take place.",
)

CONTACT_PARAGRAPHS = (
    "Journalists can reach the press office around the clock. Because the organization is "
    "imaginary, the telephone numbers and email addresses on this page lead nowhere.",
    "For questions about a specific release, please mention its title and the date it was "
    "published, so that the fictional press officer on duty can find it quickly.",
)

REPORTS_PARAGRAPHS = (
    "Our reports present the findings of in-depth investigations, often conducted over "
    "many months. Each one is accompanied by a news release summarizing its main findings "
    "and recommendations.",
    "The annual report reviews developments in more than 90 countries and is available as "
    "a PDF document.",
)
