"""Word lists: recipients, companies, brands, campaigns, messages, Tango error texts.

Every address is under a reserved domain (.example / .test), so no generated email is real.
"""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES = _words(
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy "
    "Matthew Betty Anthony Sandra Mark Margaret Donald Ashley Steven Kimberly Andrew Emily "
    "Paul Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Melissa George Deborah "
    "Timothy Stephanie Ronald Dorothy Jason Rebecca Edward Sharon Jeffrey Laura Ryan Cynthia "
    "Jacob Amy Gary Kathleen Nicholas Angela Eric Shirley Jonathan Brenda Stephen Emma Larry "
    "Anna Justin Pamela Scott Nicole Brandon Samantha Benjamin Katherine Samuel Christine "
    "Gregory Helen Alexander Debra Patrick Rachel Frank Carolyn Raymond Janet Jack Maria "
    "Dennis Olivia Jerry Heather Tyler Catherine Aaron Diane Jose Julie Adam Victoria Nathan "
    "Joyce Henry Lauren Zachary Kelly Douglas Christina Peter Ruth Kyle Joan Noah Virginia "
    "Ethan Judith Jeremy Evelyn Christian Hannah Walter Andrea Keith Megan Austin Cheryl Roger "
    "Jacqueline Terry Madison Sean Teresa Gerald Abigail Carl Sophia Dylan Martha Harold Sara "
    "Jordan Gloria Jesse Janice Bryan Kathryn Lawrence Ann Arthur Isabella Gabriel Judy Bruce "
    "Charlotte Logan Julia Billy Grace Joe Amber Alan Alice Juan Jean Elijah Denise Willie "
    "Frances Albert Danielle Wayne Marilyn Randy Natalie Mason Beverly Vincent Diana Liam "
    "Brittany Roy Theresa Bobby Kayla Caleb Alexis Bradley Doris Russell Lori Lucas Tiffany "
    "Priya Omar Wei Yuki Kofi Lars Mei Aisha Mateo Sofia Hiroshi Fatima Diego Ingrid Raj Chen "
    "Amara Luca Elena Tomas Nadia Arjun Leila Sven Chiara Kwame Zara Pablo Anika Jonas Ines"
)

LAST_NAMES = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
    "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
    "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott "
    "Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter "
    "Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris "
    "Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly "
    "Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza "
    "Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez Powell "
    "Jenkins Perry Russell Sullivan Bell Coleman Butler Henderson Barnes Gonzales Fisher "
    "Vasquez Simmons Romero Jordan Patterson Alexander Hamilton Graham Reynolds Griffin Wallace "
    "Moreno West Cole Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar Stevens Murray "
    "Ford Castro Marshall Owens Harrison Fernandez McDonald Woods Washington Kennedy Wells "
    "Vargas Henry Chen Freeman Webb Tucker Guzman Burns Crawford Olson Simpson Porter Hunter "
    "Gordon Mendez Silva Shaw Snyder Mason Dixon Munoz Hunt Hicks Holmes Palmer Wagner Black "
    "Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer Rice Schmidt Garza Daniels "
    "Ferguson Nichols Stephens Soto Weaver Ryan Gardner Payne Grant Dunn Kelley Spencer "
    "Hawkins Arnold Pierce Hansen Peters Santos Hart Bradley Knight Elliott Cunningham "
    "Duncan Armstrong Hudson Carroll Lane Riley Andrews Alvarado Ray Delgado Berry Perkins "
    "Hoffman Johnston Matthews Pena Richards Contreras Willis Carpenter Lawrence Sandoval "
    "Haddad Novak Mensah Rossi Berg Muller Schneider Fischer Weber Dubois Moreau Laurent "
    "Tanaka Suzuki Sato Kowalski Nowak Jensen Nielsen Larsen Okafor Adeyemi Singh Kumar Shah"
)

EMAIL_DOMAINS = (
    "inbox.example",
    "mail.example",
    "post.example",
    "webmail.example",
    "letters.example",
    "home.test",
    "family.test",
    "student.test",
)

COMPANIES = (
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark Industries",
    "Wayne Enterprises",
    "Hooli",
    "Vandelay Industries",
    "Soylent",
    "Cyberdyne",
    "Wonka Foods",
    "Tyrell",
    "Massive Dynamic",
    "Gringotts",
    "Oscorp",
    "Pied Piper",
    "Dunder Mifflin",
    "Sterling Cooper",
    "Monsters Inc",
    "Aperture Science",
    "Black Mesa",
    "Nakatomi Trading",
    "Prestige Worldwide",
    "Bluth Company",
    "Los Pollos",
    "Krusty Krab",
    "Virtucon",
    "Vehement Capital",
    "Rekall",
    "Weyland Yutani",
    "Blue Sun",
    "Octan",
    "Gekko Partners",
    "Duff Brewing",
    "Ollivanders",
    "Paper Street Soap",
    "Strickland Propane",
    "Buy n Large",
    "InGen",
    "Zorg Industries",
)

# (brand name, reward type, fee type, fee value, choice product, physical variant)
BRANDS = (
    ("Reward Link", "reward link", None, 0.0, True, False),
    ("Amazon.com", "gift card", None, 0.0, False, True),
    ("Visa Prepaid", "cash equivalent", "PERCENTAGE", 2.0, False, True),
    ("Starbucks", "gift card", None, 0.0, False, False),
    ("Target", "gift card", None, 0.0, False, False),
    ("Global Choice Link", "reward link", None, 0.0, True, False),
    ("Walmart", "gift card", None, 0.0, False, True),
    ("Apple", "gift card", None, 0.0, False, False),
    ("DoorDash", "gift card", None, 0.0, False, False),
    ("Uber", "gift card", None, 0.0, False, False),
    ("Mastercard Prepaid", "cash equivalent", "FIXED", 1.5, False, True),
    ("Home Depot", "gift card", None, 0.0, False, False),
    ("Promo Link", "promo", None, 0.0, True, False),
    ("Best Buy", "gift card", None, 0.0, False, False),
    ("Zalando", "gift card", None, 0.0, False, False),
    ("American Red Cross", "donation", None, 0.0, False, False),
    ("Lowe's", "gift card", None, 0.0, False, False),
    ("Sephora", "gift card", None, 0.0, False, False),
    ("Nike", "gift card", None, 0.0, False, False),
    ("Airbnb", "gift card", None, 0.0, False, False),
    ("IKEA", "gift card", None, 0.0, False, True),
    ("Netflix", "gift card", None, 0.0, False, False),
    ("Spotify", "gift card", None, 0.0, False, False),
    ("Chipotle", "gift card", None, 0.0, False, False),
    ("Grubhub", "gift card", None, 0.0, False, False),
    ("Marks & Spencer", "gift card", None, 0.0, False, False),
    ("Tim Hortons", "gift card", None, 0.0, False, False),
    ("PayPal Cash", "cash equivalent", "PERCENTAGE", 1.0, False, False),
)
BRAND_WORDS_A = _words(
    "North Bay Urban Golden Silver Green Blue Red Harbor Summit River Maple Cedar Pine Stone "
    "Sunny Coastal Prairie Metro Village"
)
BRAND_WORDS_B = _words(
    "Outfitters Bakery Books Cinema Coffee Grill Market Spa Garden Sports Electronics Travel "
    "Pets Fitness Kitchen Music Games Florist"
)

CAMPAIGNS = (
    "Employee recognition",
    "Years of service",
    "Referral bonus",
    "Survey thanks",
    "Customer care goodwill",
    "Sales incentive Q1",
    "Sales incentive Q2",
    "Sales incentive Q3",
    "Sales incentive Q4",
    "Holiday gift",
    "Wellness challenge",
    "Research panel",
    "Loyalty tier upgrade",
    "Spot award",
    "Onboarding welcome",
    "Conference giveaway",
    "Product beta testers",
    "NPS follow-up",
    "Safety milestone",
    "Volunteer thanks",
)
SUBJECTS = (
    "You've received a reward!",
    "A thank-you gift for you",
    "Your reward is here",
    "Congratulations on your award",
    "Thanks for your feedback",
    "",
)
MESSAGES = (
    "Thank you for all your hard work this quarter.",
    "Thanks for taking our survey!",
    "Congratulations on your anniversary with the team.",
    "We appreciate your referral. Enjoy!",
    "Happy holidays from all of us.",
    "Sorry for the trouble, and thanks for your patience.",
    "",
)
NOTES = ("", "", "", "", "approved by HR", "budget line 4410", "re-issue of lost card", "VIP")

# Line-item errors of FAILED lines: (code, message)
LINE_ERRORS = (
    ("422.028", "Recipient email is not valid"),
    ("422.025", "Amount is outside the item's range"),
    ("409.101", "Reward could not be fulfilled by the brand"),
    ("500.001", "Supplier timeout; the reward was not issued"),
    ("422.030", "Item is not available"),
    ("403.040", "Recipient country is not allowed for this reward"),
)
# Placement rejections of local orders: (i18n key, message)
PLACEMENT_ERRORS = (
    ("422.025", "The amount is outside the allowed range for this item"),
    ("422.028", "recipient.email must be a well-formed email address"),
    ("400.500", "Validation failed: sender.email is invalid"),
    ("422.024", "The utid is not valid"),
    ("422.030", "The item is not available"),
)
HOLD_NOTES = {
    "insufficient_funds": "Insufficient funds: the account balance is too low for this order",
    "staff": "Waiting for the budget owner's sign-off",
    "bulk_review": "Bulk upload: checking the recipient list before release",
}
STREETS = ("Main St", "Oak Ave", "Elm St", "Park Rd", "Lake Dr", "Hill St", "Maple Ave")
CITIES = (
    ("Springfield", "IL", "62701", "US"),
    ("Austin", "TX", "73301", "US"),
    ("Denver", "CO", "80202", "US"),
    ("Portland", "OR", "97201", "US"),
    ("Columbus", "OH", "43004", "US"),
    ("Raleigh", "NC", "27601", "US"),
    ("Berlin", "BE", "10115", "DE"),
    ("Lyon", "ARA", "69001", "FR"),
    ("Leeds", "ENG", "LS1", "GB"),
    ("Toronto", "ON", "M5H", "CA"),
)
