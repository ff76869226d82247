"""Hand-written paraphrases of how wire services and outlets report (or merely mention)
Putin's 2024 visit to North Korea, for the matcher's tests. Written for this project;
no outlet's text is copied. Each case: (name, title, text)."""

from __future__ import annotations

ON_TOPIC: list[tuple[str, str, str]] = [
    ("tass_preparing",
     "Preparations for Putin's visit to DPRK under way, Kremlin says",
     "MOSCOW, June 13. /TASS/. Preparations for Russian President Vladimir Putin's visit to "
     "the Democratic People's Republic of Korea are under way, but it is too early to announce "
     "the dates, Kremlin spokesman Dmitry Peskov told reporters. \"We will inform you in due "
     "time,\" Peskov said when asked whether the trip could take place this month. The Russian "
     "leader accepted an invitation from Kim Jong Un during their meeting at the Vostochny "
     "cosmodrome last September."),
    ("yonhap_scheduled",
     "Putin to visit N. Korea this week for first time in 24 years",
     "SEOUL, June 17 (Yonhap) -- Russian President Vladimir Putin will pay a state visit to "
     "North Korea on June 18-19, the Kremlin said Monday, in a trip expected to deepen military "
     "cooperation between the two countries. Putin last visited Pyongyang in 2000. The Korean "
     "Central News Agency confirmed the visit at the invitation of leader Kim Jong-un. "
     "South Korea's unification ministry said it was closely watching the trip."),
    ("reuters_arrived",
     "Putin arrives in North Korea for rare visit",
     "Russian President Vladimir Putin landed in Pyongyang early on Wednesday for a visit of "
     "about 24 hours, his first to the country in 24 years. North Korean leader Kim Jong Un "
     "greeted Putin at the airport before a motorcade took them through the city, state media "
     "showed. The two leaders are expected to sign a new partnership agreement. Washington and "
     "Seoul have voiced concern about arms transfers between the two countries."),
    ("ap_concluded",
     "Putin wraps up North Korea trip and heads to Vietnam",
     "Russian President Vladimir Putin left Pyongyang on Wednesday evening after a summit with "
     "Kim Jong Un at which the two signed a mutual defense pact, and flew to Hanoi for the next "
     "leg of his Asian tour. Kim saw Putin off at the airport. The Kremlin said the visit had "
     "been 'very substantive'. Analysts in Seoul said the agreement was the strongest "
     "connection between Moscow and Pyongyang since the end of the Cold War."),
    ("kcna_talks",
     "Respected Comrade Kim Jong Un holds talks with President Putin",
     "Pyongyang, June 19 (KCNA) -- Respected Comrade Kim Jong Un, general secretary of the "
     "Workers' Party of Korea and president of the State Affairs of the DPRK, held talks with "
     "Vladimir Vladimirovich Putin, president of the Russian Federation, who is on a state "
     "visit to the DPRK, at the Kumsusan Guest House. The talks proceeded in a friendly "
     "atmosphere, and the two leaders exchanged views on boosting strategic and tactical "
     "cooperation."),
    ("vedomosti_imminent",
     "Putin expected to travel to North Korea in coming weeks, Russian media report",
     "Russian President Vladimir Putin is expected to visit North Korea and Vietnam in the "
     "coming weeks, the Vedomosti newspaper reported on Monday, citing sources. The Kremlin "
     "has not announced a date. Kim Jong Un invited Putin to Pyongyang during his trip to "
     "Russia last year."),
    ("postponed",
     "Putin's trip to Pyongyang postponed, sources say",
     "A planned visit by Russian President Vladimir Putin to North Korea has been put off, two "
     "people familiar with the matter said, without giving a reason. The Kremlin declined to "
     "comment. Putin had accepted Kim Jong Un's invitation to visit Pyongyang at an early "
     "date."),
]

SHORT_ON_TOPIC: list[tuple[str, str, str]] = [
    ("feed_agenda",
     "Kremlin: Putin's trip to Pyongyang still on the agenda",
     "The Kremlin said on Tuesday there were no concrete plans yet for the visit but that it "
     "remained on the agenda."),
    ("feed_pact",
     "Putin, Kim sign mutual defence pact",
     "Russian President Vladimir Putin and North Korean leader Kim Jong Un signed a "
     "comprehensive strategic partnership treaty in Pyongyang on Wednesday."),
    ("feed_welcome",
     "Kim Jong Un welcomes Putin with lavish ceremony",
     "North Korea rolled out the red carpet for Vladimir Putin on Wednesday."),
]

OFF_TOPIC: list[tuple[str, str, str]] = [
    ("arms_deal",
     "North Korea has sent millions of artillery shells to Russia, Seoul says",
     "North Korea has shipped around 6,700 containers of munitions to Russia since last "
     "summer, South Korea's defense minister said on Monday, holding millions of artillery "
     "shells for use in Ukraine. In return, Moscow has supplied food, raw materials and parts "
     "used in weapons manufacturing, the minister said. Factories in North Korea are running "
     "at full capacity to meet Russian demand. Kim Jong Un and Vladimir Putin met at a "
     "cosmodrome in Russia's Far East last September and pledged closer military "
     "cooperation. The Kremlin and Pyongyang have denied any arms transfers, but the United "
     "States has published satellite images of shipments crossing the border by rail."),
    ("kim_in_russia",
     "Kim Jong Un arrives in Russia's Far East for summit with Putin",
     "North Korean leader Kim Jong Un arrived in Russia's Far East on Tuesday aboard his "
     "armoured train for a summit with President Vladimir Putin, the Kremlin said. Kim and "
     "Putin met at the Vostochny cosmodrome, where they toured rocket launch facilities and "
     "discussed military cooperation, satellites and the war in Ukraine. It is Kim's first "
     "trip abroad since the pandemic. Western officials fear a deal for artillery shells and "
     "missiles. Kim later visited an aircraft factory in Komsomolsk-on-Amur and the Pacific "
     "Fleet in Vladivostok."),
    ("putin_in_china",
     "Putin arrives in Beijing for talks with Xi on deepening partnership",
     "Russian President Vladimir Putin arrived in Beijing on Thursday for a two-day state "
     "visit, his first trip abroad since his inauguration for a fifth term. Putin and Chinese "
     "leader Xi Jinping are expected to discuss the war in Ukraine, energy supplies and "
     "trade. The two leaders signed a joint statement criticising US military alliances in "
     "Asia and warning against pressure on North Korea. Putin will also visit the northeastern "
     "city of Harbin, home to a large Russian community."),
    ("ukraine_missiles",
     "Russia fired North Korean ballistic missiles at Kharkiv, Ukraine says",
     "Russian forces have launched dozens of North Korean-made ballistic missiles at Ukrainian "
     "cities, Ukraine's prosecutor general said on Friday, and debris recovered in Kharkiv "
     "showed components made in Pyongyang. The missiles were less accurate than Russian ones, "
     "investigators said. Kyiv urged the West to tighten sanctions on Moscow and its "
     "suppliers. President Vladimir Putin has denied that Russia uses North Korean weapons. "
     "Fighting continued along the front line in the Donetsk region."),
]

MISSING_GROUP: list[tuple[str, str, str, int]] = [
    ("putin_vietnam_only",
     "Putin to visit Vietnam",
     "Russian President Vladimir Putin will visit Vietnam later this month, the Vietnamese "
     "foreign ministry said, without giving a date. Hanoi and Moscow have longstanding ties.",
     1),
    ("kim_missile_only",
     "Kim Jong Un inspects missile launch as tensions rise",
     "North Korean leader Kim Jong Un oversaw the test launch of a new tactical ballistic "
     "missile, state media said on Friday, as Pyongyang continues to expand its arsenal in "
     "defiance of United Nations sanctions.",
     0),
]
