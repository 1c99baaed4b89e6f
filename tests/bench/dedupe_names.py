"""Name, place and title pools for the dedupe benchmark's synthetic people (tests/bench/dedupe_data.py).

Names are real and listed roughly by frequency in their country (the generator weights them Zipf-like, so common
names recur and namesakes happen as they do in a real lead table). Places carry the phone area code and a postcode
range, so that an office's switchboard and a home's landline look like numbers of that city."""

from __future__ import annotations

from dataclasses import dataclass


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split())


US_MALE = _split(
    "James Robert John Michael David William Richard Joseph Thomas Christopher Charles Daniel Matthew Anthony Mark "
    "Donald Steven Andrew Paul Joshua Kenneth Kevin Brian Timothy Ronald George Jason Edward Jeffrey Ryan Jacob "
    "Nicholas Gary Eric Jonathan Stephen Larry Justin Scott Brandon Benjamin Samuel Gregory Alexander Patrick Frank "
    "Raymond Jack Dennis Jerry Tyler Aaron Jose Adam Nathan Henry Zachary Douglas Peter Kyle Noah Ethan Jeremy "
    "Christian Walter Keith Austin Roger Terry Sean Gerald Carl Dylan Harold Jordan Jesse Bryan Lawrence Arthur "
    "Gabriel Bruce Logan Albert Alan Eugene Russell Vincent Philip Louis Ralph Howard Carlos Luis Juan Miguel Wei "
    "Raj Arjun Mohammed Hiroshi Vikram Rahul"
)
US_FEMALE = _split(
    "Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Sandra Margaret Ashley "
    "Kimberly Emily Donna Michelle Carol Amanda Melissa Deborah Stephanie Dorothy Rebecca Sharon Laura Cynthia Amy "
    "Kathleen Angela Shirley Brenda Emma Anna Pamela Nicole Samantha Katherine Christine Helen Rachel Carolyn Janet "
    "Maria Catherine Heather Diane Olivia Julie Joyce Victoria Ruth Virginia Lauren Kelly Christina Joan Evelyn "
    "Judith Andrea Hannah Megan Cheryl Jacqueline Martha Madison Teresa Gloria Sara Janice Kathryn Abigail Sophia "
    "Frances Jean Alice Isabella Julia Grace Amber Denise Danielle Marilyn Beverly Charlotte Natalie Theresa Diana "
    "Brittany Doris Kayla Alexis Lori Priya Mei Ana Sofia Aisha Yuki"
)
UK_MALE = _split(
    "David John Paul Andrew Mark James Richard Michael Peter Stephen Daniel Thomas Christopher Simon Matthew "
    "William Robert Ian Oliver George Harry Jack Charlie Gareth Neil Graham Alistair Callum Rhys Owen Liam Sean "
    "Jamie Benjamin Edward Nicholas Jonathan Samuel Alexander Martin Philip Adam Luke Joseph Craig Stuart Ross "
    "Hamish Rory Declan Mohammed Imran"
)
UK_FEMALE = _split(
    "Sarah Emma Claire Rebecca Laura Hannah Katie Rachel Victoria Helen Nicola Joanne Gemma Kirsty Fiona Siobhan "
    "Eleanor Harriet Georgina Philippa Elizabeth Catherine Margaret Olivia Amelia Isla Emily Sophie Charlotte "
    "Jessica Lucy Louise Jennifer Amy Natalie Zoe Alice Lauren Kate Susan Alison Deborah Joanna Caroline Samantha "
    "Abigail Megan Bethany Priya Aisha"
)
DE_MALE = _split(
    "Thomas Michael Andreas Stefan Christian Markus Frank Peter Klaus Jürgen Wolfgang Uwe Sebastian Tobias Florian "
    "Daniel Alexander Maximilian Jan Lukas Jonas Felix Matthias Martin Jörg Dirk Sven Björn Jens Ralf Holger "
    "Torsten Heinz Hans Dieter Günter Johannes Philipp Moritz Niklas Timo Benedikt Oliver Patrick Kai Marco Dennis "
    "Mehmet Can"
)
DE_FEMALE = _split(
    "Sabine Andrea Petra Claudia Susanne Monika Birgit Nicole Stefanie Katharina Julia Anna Laura Lisa Sarah Lena "
    "Leonie Hannah Johanna Sophie Marie Christina Anja Kerstin Ulrike Heike Silke Tanja Ursula Gabriele Elisabeth "
    "Franziska Jutta Ingrid Renate Karin Brigitte Jana Miriam Jessica Melanie Sandra Katrin Simone Daniela Martina "
    "Ayşe Elif"
)

US_SURNAMES = _split(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson "
    "Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis "
    "Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera "
    "Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart "
    "Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim "
    "Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo "
    "Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins Perry Russell Sullivan Bell Coleman Butler "
    "Henderson Barnes Gonzales Fisher Vasquez Simmons Romero Jordan Patterson Alexander Hamilton Graham Reynolds "
    "Griffin Wallace Moreno West Cole Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar Stevens Murray Ford "
    "Castro Marshall Owens Harrison Fernandez McDonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman Webb "
    "Tucker Guzman Burns Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon Muñoz Hunt "
    "Hicks Holmes Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer Rice Schmidt Garza "
    "Daniels Ferguson Nichols Stephens Soto Weaver Ryan Gardner Payne Grant Dunn Kelley Spencer Hawkins Arnold "
    "Pierce Vazquez Hansen Peters Santos Hart Bradley Knight Elliott Cunningham Duncan Armstrong Hudson Carroll "
    "Lane Riley Andrews Alvarado Ray Delgado Berry Perkins Hoffman Johnston Matthews Peña Richards Contreras Willis "
    "Carpenter Lawrence Sandoval O'Brien O'Connor McCarthy Wong Shah Singh Kumar Zhang Wang Liu Yamamoto Tanaka "
    "Kowalski Novak Rossi Russo Cohen Levy Goldberg Friedman Schwartz Nakamura Okafor Mensah"
)
UK_SURNAMES = _split(
    "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson Wright Walker "
    "White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner Martin Cooper Hill Ward Morris "
    "Morgan Clark Lee King Baker Harrison Allen James Scott Phillips Watson Davis Parker Price Bennett Young "
    "Griffiths Mitchell Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards Khan "
    "Marshall Anderson Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman Powell Webb Rogers Gray Mason Ali "
    "Hunt Hussain Campbell Matthews Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Russell Barker Fisher "
    "Stevens Jenkins Murray Dixon Harvey MacDonald Fraser Stewart Reid Ross Paterson Henderson Ferguson Sinclair "
    "Fitzgerald Byrne Gallagher Doherty Quinn McLaughlin Pritchard Vaughan Rees Llewellyn Ashworth Whitfield "
    "Pemberton Thornton Hargreaves Sutcliffe"
)
DE_SURNAMES = _split(
    "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch Bauer Richter Klein "
    "Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann Lange Schmitt Werner Schmitz Krause "
    "Meier Lehmann Schmid Schulze Maier Köhler Herrmann König Walter Mayer Huber Kaiser Fuchs Peters Lang Scholz "
    "Möller Weiß Jung Hahn Schubert Vogel Friedrich Keller Günther Frank Berger Winkler Roth Beck Lorenz Baumann "
    "Franke Albrecht Schuster Simon Ludwig Böhm Winter Kraus Martin Schumacher Krämer Vogt Stein Jäger Otto Sommer "
    "Groß Seidel Heinrich Brandt Haas Schreiber Graf Schulte Dietrich Ziegler Kuhn Kühn Pohl Engel Horn Busch "
    "Bergmann Thomas Voigt Sauer Arnold Wolff Pfeiffer Yilmaz Kaya Nowak Kowalczyk Hansen Jansen"
)


@dataclass(frozen=True)
class City:
    name: str
    state: str | None
    area_code: str  # national significant prefix of its landlines: 415 (US), 20 (London), 30 (Berlin)
    postcodes: tuple[str, ...]


US_CITIES = (
    City("San Francisco", "CA", "415", ("94103", "94105", "94107", "94110", "94111", "94117")),
    City("New York", "NY", "212", ("10001", "10011", "10013", "10017", "10022", "10036")),
    City("Austin", "TX", "512", ("78701", "78702", "78704", "78731", "78759")),
    City("Chicago", "IL", "312", ("60601", "60603", "60606", "60607", "60611", "60654")),
    City("Seattle", "WA", "206", ("98101", "98104", "98109", "98115", "98121")),
    City("Boston", "MA", "617", ("02110", "02114", "02116", "02127", "02210")),
    City("Denver", "CO", "303", ("80202", "80203", "80205", "80211")),
    City("Atlanta", "GA", "404", ("30303", "30308", "30309", "30318", "30326")),
    City("Los Angeles", "CA", "213", ("90012", "90013", "90017", "90071")),
    City("Dallas", "TX", "214", ("75201", "75202", "75204", "75219")),
    City("Raleigh", "NC", "919", ("27601", "27603", "27606", "27609")),
    City("Minneapolis", "MN", "612", ("55401", "55402", "55403", "55405")),
)
UK_CITIES = (
    City("London", None, "20", ("EC1A 1BB", "EC2M 7PY", "SE1 9GF", "W1D 3QF", "N1 9AG", "E14 5AB", "SW1A 2AA")),
    City("Manchester", None, "161", ("M1 1AE", "M2 5DB", "M3 3EB", "M4 6WX", "M15 4PS")),
    City("Birmingham", None, "121", ("B1 1AA", "B2 4QA", "B3 2PP", "B5 4BU")),
    City("Edinburgh", None, "131", ("EH1 1YZ", "EH2 2BY", "EH3 9QG", "EH8 9YL")),
    City("Bristol", None, "117", ("BS1 4DJ", "BS1 6QA", "BS2 0JA", "BS8 1TH")),
    City("Leeds", None, "113", ("LS1 4AP", "LS2 7EW", "LS11 5QN")),
)
DE_CITIES = (
    City("Berlin", None, "30", ("10115", "10117", "10178", "10243", "10405", "10997", "12047")),
    City("München", None, "89", ("80331", "80333", "80335", "80469", "80801", "81667")),
    City("Hamburg", None, "40", ("20095", "20097", "20354", "20457", "22765")),
    City("Frankfurt am Main", None, "69", ("60311", "60313", "60329", "60486", "60594")),
    City("Köln", None, "221", ("50667", "50668", "50670", "50672", "50823")),
    City("Stuttgart", None, "711", ("70173", "70174", "70176", "70178")),
)

TITLES = (
    "VP of Sales",
    "Head of Marketing",
    "Marketing Manager",
    "Director of Engineering",
    "CTO",
    "CFO",
    "Software Engineer",
    "Senior Software Engineer",
    "Data Scientist",
    "Product Manager",
    "Sales Operations Manager",
    "Revenue Operations Lead",
    "Account Executive",
    "IT Manager",
    "Procurement Manager",
    "Operations Director",
    "CEO",
    "Founder",
    "Head of Growth",
    "Demand Generation Manager",
    "Business Analyst",
    "Consultant",
    "Head of Data",
    "Solutions Architect",
    "Customer Success Manager",
)
#: How one title gets typed differently on another form.
TITLE_VARIANTS = {
    "VP of Sales": ("VP Sales", "Vice President, Sales", "VP, Sales"),
    "CTO": ("Chief Technology Officer",),
    "CFO": ("Chief Financial Officer",),
    "CEO": ("Chief Executive Officer", "CEO & Founder"),
    "Director of Engineering": ("Engineering Director", "Dir. Engineering"),
    "Head of Marketing": ("Marketing Lead", "Head of Marketing EMEA"),
    "Senior Software Engineer": ("Sr. Software Engineer", "Senior SWE"),
}

SMALL_COMPANY_WORDS = {
    "US": ("Consulting", "Analytics", "Partners", "Solutions", "Engineering", "Digital", "Systems", "Labs", "Health"),
    "GB": ("Consulting", "Analytics", "Partners", "Solutions", "Engineering", "Digital", "Systems", "Media", "Group"),
    "DE": ("Logistik", "Beratung", "Technik", "Maschinenbau", "Software", "Systeme", "Consulting", "Digital"),
}
SMALL_COMPANY_PREFIXES = _split(
    "Blue North Bright Summit Apex Cedar Harbor Silver Pioneer Granite Lumen Vertex Maple Orbit Crescent Evergreen "
    "Iron Keystone Beacon Horizon Redwood Falcon Atlas Nimbus Quarry Meridian Copper Willow Sterling Anchor"
)
LEGAL_FORMS = {"US": ("Inc.", "LLC", "Corp."), "GB": ("Ltd", "Limited", "plc"), "DE": ("GmbH", "AG", "GmbH & Co. KG")}

#: Words that make a reused personal handle (bluefalcon82@...).
HANDLE_WORDS = _split(
    "blue red silver quiet happy lucky brave wild sunny rocket tiger falcon wolf panda otter maple river storm "
    "pixel ninja coffee surf hike chess jazz"
)
