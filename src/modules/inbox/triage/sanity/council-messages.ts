/**
 * A held-out sanity set: everyday messages a council gets, invented by the project in residents'
 * own styles (social posts, emails, web forms, a little Welsh, typos, emoji), each labelled with
 * the taxonomy's area/category (../shared/data/taxonomy/service-areas.csv), an intent and an
 * urgency. At least two per category.
 *
 * HELD OUT: never train on these. They are not curated examples (../curated/), the training script
 * does not read this file, and the keyword layer (../curated/keywords.ts) must not be tuned by
 * copying phrases from here. sanity.test.ts measures the classifier on it.
 */
import type { Intent } from '../intent.ts';
import type { UrgencyLevel } from '../urgency.rules.ts';

export interface CouncilMessage {
  readonly text: string;
  readonly area: string;
  readonly category: string;
  readonly intent: Intent;
  readonly urgency: UrgencyLevel;
}

type Row = readonly [text: string, label: string, intent: Intent, urgency?: UrgencyLevel];

const ROWS: readonly Row[] = [
  // ---- waste --------------------------------------------------------------------------------
  ['bin not collected on Hales Road again', 'waste/missed_collection', 'report_problem'],
  [
    '@CheltBC our recycling box got skipped this morning, whole street done except us 🙄',
    'waste/missed_collection',
    'report_problem',
  ],
  [
    'Hi, the grey wheelie bin at 14 Naunton Crescent was not emptied yesterday. It was out from 6am. Please could the crew come back. Thanks, Sue',
    'waste/missed_collection',
    'report_problem',
  ],
  [
    'Bins havent been colected on Moorend Rd since last tuesday!!!',
    'waste/missed_collection',
    'report_problem',
  ],
  ['food waste caddy not emptied this week 🤷‍♀️', 'waste/missed_collection', 'report_problem'],
  [
    "Dydy'r biniau ddim wedi cael eu casglu yn ein stryd ni ers pythefnos",
    'waste/missed_collection',
    'report_problem',
  ],
  [
    'Our green recycling bin got cracked by the lorry, can we get a replacement?',
    'waste/bin_request',
    'request_service',
  ],
  [
    'just moved into a new build on Kidnappers Lane and we have no bins at all, how do we get some',
    'waste/bin_request',
    'question',
  ],
  ['wheely bin lid snapped off, foxes keep ripping the bags open', 'waste/bin_request', 'report_problem'],
  ['Can you please collect my old sofa', 'waste/bulky_waste', 'request_service'],
  [
    'How much does it cost to get a fridge freezer and two mattresses taken away from my house?',
    'waste/bulky_waste',
    'question',
  ],
  [
    "I'd like to book a large item pickup for a wardrobe and a broken bed frame",
    'waste/bulky_waste',
    'request_service',
  ],
  [
    'cn u pick up an old settee and a dishwasher from outside my house pls',
    'waste/bulky_waste',
    'request_service',
  ],
  ['Hoffwn archebu casgliad gwastraff swmpus ar gyfer hen soffa', 'waste/bulky_waste', 'request_service'],
  [
    'I paid for the garden waste subscription in March but never got my brown bin sticker',
    'waste/garden_waste',
    'report_problem',
  ],
  ['brown bin full of grass cuttings not emptied on Thursday', 'waste/garden_waste', 'report_problem'],
  ['How do I sign up for garden waste collections this year?', 'waste/garden_waste', 'question'],
  [
    'The bottle bank at the supermarket car park is overflowing, glass all over the ground',
    'waste/recycling',
    'report_problem',
  ],
  ['Can I put pizza boxes and plastic film in my recycling?', 'waste/recycling', 'question'],
  [
    'clothes bank by the community centre is stuffed full, bags piled round it',
    'waste/recycling',
    'report_problem',
  ],
  [
    'The takeaway on the High Street leaves its commercial waste bags on the pavement every night',
    'waste/trade_waste',
    'report_problem',
  ],
  ['I run a small cafe, how do I arrange a business waste collection?', 'waste/trade_waste', 'question'],

  // ---- street cleansing -----------------------------------------------------------------------
  [
    'Someone has dumped a load of builders rubble and an old toilet in the lane behind Overton Road',
    'street_cleansing/fly_tipping',
    'report_problem',
  ],
  [
    'fly tipping again at the end of our alley, black bags and a carpet 😡',
    'street_cleansing/fly_tipping',
    'report_problem',
  ],
  ['Mae sbwriel wedi cael ei adael yn y lôn gefn eto', 'street_cleansing/fly_tipping', 'report_problem'],
  [
    'The litter bin outside the bus station is overflowing and rubbish is blowing everywhere',
    'street_cleansing/litter',
    'report_problem',
  ],
  [
    'So much litter on the green after the weekend, crisp packets and cans everywhere',
    'street_cleansing/litter',
    'report_problem',
  ],
  [
    'Offensive graffiti sprayed on the underpass wall, kids walk past it to school',
    'street_cleansing/graffiti',
    'report_problem',
  ],
  ['new tags all over the shop shutters on Bath Road', 'street_cleansing/graffiti', 'report_problem'],
  [
    'Posters for a club night stuck on every lamp post along the Promenade',
    'street_cleansing/fly_posting',
    'report_problem',
  ],
  [
    'Illegal estate agent boards cable-tied to the railings on the corner',
    'street_cleansing/fly_posting',
    'report_problem',
  ],
  [
    'Dog poo all over the pavement outside the primary school, disgusting',
    'street_cleansing/dog_fouling',
    'report_problem',
  ],
  [
    'The dog waste bin in the park is full and people are hanging the bags on the fence',
    'street_cleansing/dog_fouling',
    'report_problem',
  ],
  [
    "Our road hasn't been swept for months, leaves and mud piled up along the kerb",
    'street_cleansing/street_cleaning',
    'report_problem',
  ],
  [
    'Broken glass all over the pavement outside the pub after Saturday night',
    'street_cleansing/street_cleaning',
    'report_problem',
  ],
  [
    "There's a dead badger on the verge near the roundabout",
    'street_cleansing/dead_animal',
    'report_problem',
  ],
  [
    'dead pigeon on our front path, can someone remove it please',
    'street_cleansing/dead_animal',
    'request_service',
  ],
  [
    'Found a used syringe in the bushes by the playground, please send someone',
    'street_cleansing/needles',
    'request_service',
    'high',
  ],
  [
    'Needles left on the steps of the multi storey car park stairwell again',
    'street_cleansing/needles',
    'report_problem',
    'high',
  ],
  [
    "Three Sainsbury's trolleys dumped in the brook off Hatherley Lane",
    'street_cleansing/abandoned_trolley',
    'report_problem',
  ],
  [
    'shopping trolley left on the pavement outside my house for a week now',
    'street_cleansing/abandoned_trolley',
    'report_problem',
  ],

  // ---- highways ---------------------------------------------------------------------------------
  [
    'Massive pothole on Gloucester Road, nearly came off my bike',
    'highways/road_surface',
    'report_problem',
    'high',
  ],
  [
    'The tarmac has sunk outside number 30 and water sits in the dip',
    'highways/road_surface',
    'report_problem',
  ],
  ['Mae twll mawr yn y ffordd ar Heol y Frenhines', 'highways/road_surface', 'report_problem'],
  [
    'Loose paving slab outside the post office, my mum tripped on it last week',
    'highways/pavement',
    'report_problem',
  ],
  ['Can we have a dropped kerb outside our house for my wheelchair?', 'highways/pavement', 'question'],
  [
    'The drain at the bottom of our road is blocked and the road floods every time it rains',
    'highways/drainage_flooding',
    'report_problem',
  ],
  [
    'Gully by the bus stop is full of leaves and water is pooling right across the road',
    'highways/drainage_flooding',
    'report_problem',
  ],
  [
    'The white lines at the junction of Hewlett Road have faded away completely',
    'highways/signs_markings',
    'report_problem',
  ],
  ['Street name sign for Priory Street has been knocked over', 'highways/signs_markings', 'report_problem'],
  [
    "The pedestrian crossing button on London Road isn't working, the green man never comes on",
    'highways/traffic_signals',
    'report_problem',
  ],
  [
    'traffic lights stuck on red at the Prestbury Road junction',
    'highways/traffic_signals',
    'report_problem',
    'high',
  ],
  [
    'The bench in the square has a broken slat, someone will hurt themselves on it',
    'highways/street_furniture',
    'report_problem',
  ],
  ['Bollard knocked flat at the end of the cycle path', 'highways/street_furniture', 'report_problem'],
  ['Bus shelter glass smashed at the stop on Cirencester Road', 'highways/bus_stop', 'report_problem'],
  [
    'The timetable case at the bus stop is broken and the seat is missing',
    'highways/bus_stop',
    'report_problem',
  ],
  [
    "Our hill hasn't been gritted and it's sheet ice this morning, cars sliding all over",
    'highways/winter_gritting',
    'report_problem',
  ],
  [
    'The grit bin at the top of Sandy Lane is empty, could it be refilled?',
    'highways/winter_gritting',
    'request_service',
  ],
  [
    'Roadworks on Tewkesbury Road were meant to finish last week but the barriers are still up and nobody is working',
    'highways/roadworks',
    'report_problem',
  ],
  [
    'The utility company left a trench with no barriers outside our house',
    'highways/roadworks',
    'report_problem',
  ],
  [
    'A skip has been left on the pavement with no lights and people have to walk in the road',
    'highways/obstruction',
    'report_problem',
  ],
  [
    "Cafe A-boards and tables blocking the whole pavement, can't get past with a buggy",
    'highways/obstruction',
    'report_problem',
  ],
  [
    'Cars speed down our road at 50mph, we need speed bumps before someone is killed',
    'highways/road_safety',
    'request_service',
  ],
  [
    'Any chance of a zebra crossing outside the school on Princess Elizabeth Way? Crossing there is really dangerous',
    'highways/road_safety',
    'question',
  ],
  [
    'Who is responsible for the retaining wall along the footpath by the river?',
    'highways/highway_other',
    'question',
  ],
  [
    'The footbridge over the railway has rust coming through, does anyone inspect it?',
    'highways/highway_other',
    'question',
  ],

  // ---- street lighting, parking, trees and parks -------------------------------------------------
  [
    'Street light outside 22 Albert Road has been out for two weeks, very dark walking home',
    'street_lighting/street_light',
    'report_problem',
  ],
  [
    'The lamp post by the alley flickers on and off all night',
    'street_lighting/street_light',
    'report_problem',
  ],
  [
    "Dydy golau'r stryd ddim yn gweithio tu allan i'n tŷ ni",
    'street_lighting/street_light',
    'report_problem',
  ],
  [
    'A silver Ford Focus with no tax has been parked on our road for three months with flat tyres',
    'parking_vehicles/abandoned_vehicle',
    'report_problem',
  ],
  [
    'abandoned van with smashed windows in the lay-by',
    'parking_vehicles/abandoned_vehicle',
    'report_problem',
  ],
  [
    "Someone parks across my driveway every single day and I can't get my car out",
    'parking_vehicles/illegal_parking',
    'report_problem',
  ],
  [
    'Cars on the double yellows outside the school at pick up time, please send a warden',
    'parking_vehicles/illegal_parking',
    'request_service',
  ],
  [
    'How do I apply for a residents parking permit for my second car?',
    'parking_vehicles/parking_other',
    'question',
  ],
  [
    'The pay machine in the Regent Arcade car park keeps eating coins',
    'parking_vehicles/parking_other',
    'report_problem',
  ],
  [
    'My visitor parking permit never arrived and my carer keeps getting tickets',
    'parking_vehicles/parking_other',
    'report_problem',
  ],
  [
    'A huge branch on the oak by the footpath is about to fall, please look at it',
    'trees_parks/trees',
    'report_problem',
    'high',
  ],
  ['Tree roots are lifting the pavement outside my house', 'trees_parks/trees', 'report_problem'],
  [
    'The hedge on the corner has grown right across the path, I have to walk in the road with the pram',
    'trees_parks/overgrown_vegetation',
    'report_problem',
  ],
  [
    "grass verges on our estate haven't been cut since May, it's knee high",
    'trees_parks/overgrown_vegetation',
    'report_problem',
  ],
  [
    "The swings in the playground at Hatherley Park are broken and the gate doesn't close",
    'trees_parks/parks',
    'report_problem',
  ],
  ['The nets on the park tennis courts are ripped to bits', 'trees_parks/parks', 'report_problem'],
  [
    'Public toilets at Montpellier Gardens are locked again in the middle of the day',
    'trees_parks/public_toilets',
    'report_problem',
  ],
  [
    'The public loos by the bus station are filthy, no soap and no loo roll',
    'trees_parks/public_toilets',
    'report_problem',
  ],

  // ---- environmental health ------------------------------------------------------------------
  [
    "My neighbour plays loud music until 3am every night, I can't sleep",
    'environmental_health/noise',
    'report_problem',
  ],
  [
    'Dog next door barks all day while the owners are at work',
    'environmental_health/noise',
    'report_problem',
  ],
  [
    'The building site starts drilling at 6am on Saturdays, is that even allowed?',
    'environmental_health/noise',
    'question',
  ],
  [
    'Party flat above us every weekend, thumping bass til 4am 😴 #noise',
    'environmental_health/noise',
    'report_problem',
  ],
  [
    'Mae fy nghymdogion yn chwarae cerddoriaeth uchel bob nos tan 2 y bore',
    'environmental_health/noise',
    'report_problem',
  ],
  [
    "We've got rats coming into the garden from the alley, can pest control come out?",
    'environmental_health/pests',
    'request_service',
  ],
  ["There's a wasps nest in the eaves above our front door", 'environmental_health/pests', 'report_problem'],
  [
    'Neighbour burns rubbish on a bonfire every weekend and the smoke comes into our house',
    'environmental_health/pollution',
    'report_problem',
  ],
  [
    "There's an oily film on the river by the bridge and it smells of diesel",
    'environmental_health/pollution',
    'report_problem',
  ],
  [
    'I got food poisoning after eating at a takeaway on the Lower High Street',
    'environmental_health/food_safety',
    'report_problem',
  ],
  [
    'Saw mice running around the kitchen of a restaurant in town, who do I tell?',
    'environmental_health/food_safety',
    'question',
  ],
  [
    'The empty house next door has been abandoned for years, windows smashed and the garden is a jungle',
    'environmental_health/env_health_other',
    'report_problem',
  ],
  [
    'My private landlord refuses to fix the damp and mould in my rented flat, can the council do anything?',
    'environmental_health/env_health_other',
    'question',
  ],

  // ---- community safety, planning ----------------------------------------------------------------
  [
    'Group of teenagers hanging around the shops every night, drinking and shouting at people',
    'community_safety/antisocial_behaviour',
    'report_problem',
  ],
  [
    "I think there's drug dealing going on from the flat opposite, cars coming and going all night",
    'community_safety/antisocial_behaviour',
    'report_problem',
  ],
  [
    "lads on motorbikes tearing round the playing field again, it's every evening now",
    'community_safety/antisocial_behaviour',
    'report_problem',
  ],
  [
    'Youths throwing stones at the buses on our estate',
    'community_safety/antisocial_behaviour',
    'report_problem',
  ],
  ['The CCTV camera at the car park entrance has been smashed', 'community_safety/cctv', 'report_problem'],
  [
    'My car was damaged on Regent Street last night, can I request the CCTV footage?',
    'community_safety/cctv',
    'question',
  ],
  [
    'I want to object to the planning application for flats on the old garage site',
    'planning_building/planning',
    'other',
  ],
  [
    'My neighbour has built a two storey extension without any planning permission',
    'planning_building/planning',
    'report_problem',
  ],
  [
    'The garden wall on the corner is about to collapse onto the pavement',
    'planning_building/dangerous_structure',
    'report_problem',
    'emergency',
  ],
  [
    'Roof tiles keep sliding off the derelict pub onto the street below',
    'planning_building/dangerous_structure',
    'report_problem',
  ],

  // ---- housing --------------------------------------------------------------------------------
  ['Gas smell in my kitchen', 'housing/housing_repairs', 'report_problem', 'emergency'],
  [
    "I'm a council tenant and the boiler has broken, no heating or hot water since Friday",
    'housing/housing_repairs',
    'report_problem',
  ],
  [
    'Black mould all over the bedroom walls of my council flat, the kids keep getting chesty',
    'housing/housing_repairs',
    'report_problem',
  ],
  [
    'Water coming through the ceiling of my council flat from the one above!!',
    'housing/housing_repairs',
    'report_problem',
    'emergency',
  ],
  [
    'Front door lock on my council house is broken and I cant lock it at night',
    'housing/housing_repairs',
    'report_problem',
  ],
  [
    'My partner has kicked me out and I have nowhere to sleep tonight',
    'housing/homelessness',
    'other',
    'high',
  ],
  [
    "I've been served a section 21 notice and will be homeless next month with two kids, what do I do?",
    'housing/homelessness',
    'question',
  ],
  [
    'How long is the waiting list on the housing register for a two bed?',
    'housing/housing_other',
    'question',
  ],
  [
    'I want to swap my council tenancy with someone in Gloucester, how does a mutual exchange work?',
    'housing/housing_other',
    'question',
  ],

  // ---- council tax, benefits -------------------------------------------------------------------
  [
    "I've just moved out of Cheltenham, how do I close my council tax account?",
    'council_tax/council_tax',
    'question',
  ],
  [
    'Why has my council tax bill gone up when I live on my own? I should get the single person discount',
    'council_tax/council_tax',
    'question',
  ],
  ['Can I pay my council tax in 12 instalments instead of 10?', 'council_tax/council_tax', 'question'],
  [
    'Got a council tax summons today but I set up a direct debit last month?!',
    'council_tax/council_tax',
    'complaint',
  ],
  [
    'Mae angen i mi newid fy nebyd uniongyrchol ar gyfer treth y cyngor',
    'council_tax/council_tax',
    'request_service',
  ],
  ["I've lost my job and can't pay my rent, can I get housing benefit?", 'benefits/benefits', 'question'],
  ['How do I apply for free school meals for my son?', 'benefits/benefits', 'question'],
  [
    'Still waiting on my council tax reduction claim after 6 weeks, nobody answers the phone',
    'benefits/benefits',
    'complaint',
  ],
  [
    'Can I get help from the household support fund? Really struggling with the energy bills',
    'benefits/benefits',
    'question',
  ],

  // ---- social care ---------------------------------------------------------------------------
  [
    "My dad has dementia and can't manage at home anymore, what help is there?",
    'social_care/adult_social_care',
    'question',
  ],
  ['How do I renew my blue badge?', 'social_care/adult_social_care', 'question'],
  [
    'We have moved to the area and need a primary school place for our daughter',
    'social_care/children_services',
    'request_service',
  ],
  [
    'Who do I speak to about an EHCP assessment for my son with autism?',
    'social_care/children_services',
    'question',
  ],
  [
    "I'm worried about the little boy next door, he's left on his own for hours and always seems hungry",
    'social_care/safeguarding',
    'report_problem',
    'emergency',
  ],
  [
    "My elderly neighbour's carer takes her money and shouts at her, I think she is being abused",
    'social_care/safeguarding',
    'report_problem',
    'emergency',
  ],
  [
    'A young girl at our flats seems to be being groomed by older men in cars',
    'social_care/safeguarding',
    'report_problem',
    'emergency',
  ],

  // ---- licensing, registration -------------------------------------------------------------------
  [
    'How do I apply for a premises licence to sell alcohol at our village fete?',
    'licensing_registration/licensing',
    'question',
  ],
  [
    'Do I need a street trading licence to sell burgers from a van at the market?',
    'licensing_registration/licensing',
    'question',
  ],
  [
    'The taxi driver I had last night was rude and driving like a maniac, how do I report him to licensing?',
    'licensing_registration/licensing',
    'question',
  ],
  [
    "I need to register my mum's death, how do I book an appointment?",
    'licensing_registration/registration',
    'question',
  ],
  [
    "We'd like to book the register office for our wedding next June",
    'licensing_registration/registration',
    'request_service',
  ],

  // ---- democracy -----------------------------------------------------------------------------
  [
    "I'd like to ask a question at the next full council meeting about the bus station plans",
    'democracy/meetings_councillors',
    'meeting_question',
  ],
  [
    'How can I contact my local councillor about the parking on our street?',
    'democracy/meetings_councillors',
    'question',
  ],
  [
    'When is the next planning committee meeting and is the agenda online?',
    'democracy/meetings_councillors',
    'meeting_question',
  ],
  ['Who is my ward councillor for St Marks?', 'democracy/meetings_councillors', 'question'],
  ["I haven't received my polling card, can I still vote on Thursday?", 'democracy/elections', 'question'],
  ['How do I register to vote? I just turned 18', 'democracy/elections', 'question'],
  ["Can I get a postal vote for the May elections? I'll be abroad", 'democracy/elections', 'question'],

  // ---- other ----------------------------------------------------------------------------------
  ['What are the opening hours of the Municipal Offices reception?', 'other/general_enquiry', 'question'],
  [
    "Is there a phone number for the council that isn't just an automated menu?",
    'other/general_enquiry',
    'question',
  ],
  ['The number 94 bus never turns up on time, sort it out Stagecoach', 'other/not_council', 'report_problem'],
  ['Someone keyed my car last night, I need a crime number for the insurance', 'other/not_council', 'other'],
];

export const COUNCIL_MESSAGES: readonly CouncilMessage[] = ROWS.map(([text, label, intent, urgency]) => {
  const slash = label.indexOf('/');
  return {
    text,
    area: label.slice(0, slash),
    category: label.slice(slash + 1),
    intent,
    urgency: urgency ?? 'routine',
  };
});
