package demo

// The demo office: an imaginary town hall with the four departments residents
// visit most, and their matters with what to bring and what it costs.

const (
	officeName    = "Urząd Miasta Okienkowo"
	officeZone    = "Europe/Warsaw"
	officeAddress = "ul. Ratuszowa 1, 00-950 Okienkowo"
	kioskName     = "Biletomat — hol główny"

	adminUser        = "admin"
	adminDisplayName = "Administrator"
	clerkUser        = "urzednik"
	clerkDisplayName = "Anna Kowalska"
)

// demoService is one matter of the demo catalog; zero slot or capacity keep
// the defaults.
type demoService struct {
	name         string
	slotMinutes  int
	capacity     int
	description  string
	instructions string
	// proofOfWork: the matter bots hoard asks for proof of work.
	proofOfWork bool
}

// demoDepartment is one department of the demo catalog with its matters and
// the number of counters that serve them.
type demoDepartment struct {
	name     string
	prefix   string
	counters int
	services []demoService
}

var catalog = []demoDepartment{
	{
		name:     "Biuro Obsługi Klienta",
		prefix:   "B",
		counters: 3,
		services: []demoService{
			{
				name:        "Zameldowanie na pobyt stały lub czasowy",
				slotMinutes: 15,
				capacity:    2,
				description: "Zgłoszenie pobytu stałego lub czasowego w lokalu na terenie miasta. " +
					"Zameldować się trzeba najpóźniej 30. dnia od przybycia do lokalu.",
				instructions: "Zabierz ze sobą:\n" +
					"- dowód osobisty lub paszport,\n" +
					"- wypełniony formularz zgłoszenia pobytu stałego albo czasowego (dostępny też na miejscu),\n" +
					"- dokument potwierdzający tytuł prawny do lokalu (umowa najmu, akt notarialny, " +
					"odpis z księgi wieczystej, decyzja o przydziale) — do wglądu,\n" +
					"- jeśli nie jesteś właścicielem: podpis właściciela lub najemcy lokalu na formularzu.\n" +
					"Zameldowanie jest bezpłatne. Możesz się też zameldować przez internet " +
					"na gov.pl z Profilem Zaufanym lub e-dowodem.",
			},
			{
				name:        "Wymeldowanie z pobytu stałego lub czasowego",
				slotMinutes: 10,
				capacity:    2,
				description: "Zgłoszenie wyjazdu z miejsca pobytu stałego lub czasowego przed upływem " +
					"zadeklarowanego okresu.",
				instructions: "Zabierz ze sobą dowód osobisty lub paszport. Wymeldowanie jest bezpłatne.\n" +
					"Jeśli meldujesz się w nowym miejscu na pobyt stały, nie musisz się osobno wymeldowywać — " +
					"zrobimy to przy zameldowaniu.",
			},
			{
				name:        "Potwierdzenie Profilu Zaufanego",
				slotMinutes: 10,
				capacity:    2,
				description: "Potwierdzenie tożsamości do Profilu Zaufanego, którym podpiszesz pisma " +
					"i załatwisz sprawy urzędowe przez internet.",
				instructions: "Przed wizytą złóż wniosek o Profil Zaufany na pz.gov.pl — " +
					"masz 14 dni na potwierdzenie go w urzędzie.\n" +
					"Zabierz ze sobą:\n" +
					"- dowód osobisty lub paszport,\n" +
					"- telefon o numerze podanym we wniosku (dostaniesz na niego kod SMS).\n" +
					"Potwierdzenie jest bezpłatne.",
			},
			{
				name:        "Zaświadczenie o zameldowaniu",
				slotMinutes: 10,
				capacity:    2,
				description: "Zaświadczenie o zameldowaniu na pobyt stały lub czasowy, na przykład dla " +
					"pracodawcy, banku lub szkoły.",
				instructions: "Zabierz ze sobą dowód osobisty lub paszport, a jeśli zaświadczenie dotyczy " +
					"innej osoby — pełnomocnictwo.\n" +
					"Opłata skarbowa: 17 zł za zaświadczenie, 17 zł za złożenie pełnomocnictwa. " +
					"Zapłacisz kartą przy stanowisku lub przelewem na rachunek urzędu.",
			},
		},
	},
	{
		name:     "Dowody osobiste",
		prefix:   "D",
		counters: 3,
		services: []demoService{
			{
				name:        "Wniosek o wydanie dowodu osobistego",
				slotMinutes: 15,
				capacity:    2,
				description: "Złożenie wniosku o nowy dowód osobisty: pierwszy, po upływie ważności, " +
					"po zmianie danych, po utracie lub uszkodzeniu. Dotyczy też dzieci.",
				instructions: "Wniosek składasz osobiście (za dziecko — rodzic, w obecności dziecka). " +
					"Urzędnik wypełni go z tobą na miejscu i pobierze odciski palców (od 12. roku życia).\n" +
					"Zabierz ze sobą:\n" +
					"- aktualną, kolorową fotografię 35×45 mm, wykonaną nie wcześniej niż 6 miesięcy przed " +
					"złożeniem wniosku, na jednolitym jasnym tle, z odkrytą twarzą,\n" +
					"- dotychczasowy dowód osobisty, jeśli go masz.\n" +
					"Wydanie dowodu osobistego jest bezpłatne. Dowód będzie gotowy do odbioru w ciągu " +
					"około 30 dni; jeśli podasz numer telefonu, wyślemy SMS.",
			},
			{
				name:        "Odbiór dowodu osobistego",
				slotMinutes: 10,
				capacity:    2,
				description: "Odbiór gotowego dowodu osobistego złożonego w naszym urzędzie.",
				instructions: "Dowód odbierasz osobiście, gdy jego status na gov.pl to „gotowy do odbioru” " +
					"albo dostaniesz od nas SMS.\n" +
					"Zabierz ze sobą dotychczasowy dowód osobisty — unieważnimy go przy odbiorze.\n" +
					"Przy odbiorze możesz ustawić kody PIN do warstwy elektronicznej (e-dowodu). " +
					"Odbiór jest bezpłatny.",
			},
			{
				name:        "Zgłoszenie utraty lub uszkodzenia dowodu osobistego",
				slotMinutes: 10,
				capacity:    2,
				description: "Unieważnienie zgubionego, skradzionego lub uszkodzonego dowodu osobistego, " +
					"tak by nikt nie mógł się nim posłużyć.",
				instructions: "Zabierz ze sobą inny dokument ze zdjęciem (paszport, prawo jazdy), jeśli go masz, " +
					"a przy uszkodzeniu — uszkodzony dowód.\n" +
					"Zgłoszenie jest bezpłatne. Możesz przy tej samej wizycie złożyć wniosek o nowy dowód — " +
					"weź wtedy fotografię 35×45 mm.\n" +
					"Utratę dowodu zgłosisz też całodobowo przez internet na gov.pl.",
			},
		},
	},
	{
		name:     "Rejestracja pojazdów",
		prefix:   "P",
		counters: 2,
		services: []demoService{
			{
				name:        "Rejestracja pojazdu kupionego w Polsce",
				slotMinutes: 20,
				capacity:    2,
				proofOfWork: true,
				description: "Rejestracja używanego pojazdu, który był już zarejestrowany w Polsce, " +
					"na nowego właściciela. Masz na to 30 dni od zakupu.",
				instructions: "Zabierz ze sobą:\n" +
					"- wypełniony wniosek o rejestrację pojazdu,\n" +
					"- dowód własności (umowa kupna-sprzedaży, faktura, umowa darowizny),\n" +
					"- dotychczasowy dowód rejestracyjny,\n" +
					"- kartę pojazdu, jeśli była wydana,\n" +
					"- dotychczasowe tablice rejestracyjne, jeśli chcesz nowe,\n" +
					"- potwierdzenie zawarcia umowy ubezpieczenia OC,\n" +
					"- dowód osobisty; za firmę lub inną osobę — pełnomocnictwo (17 zł opłaty skarbowej).\n" +
					"Opłaty (samochód osobowy) przy wydaniu nowych tablic: 180,50 zł; przy zachowaniu " +
					"dotychczasowych tablic opłata jest niższa.",
			},
			{
				name:        "Rejestracja pojazdu sprowadzonego z Unii Europejskiej",
				slotMinutes: 30,
				capacity:    1,
				proofOfWork: true,
				description: "Pierwsza rejestracja w Polsce pojazdu sprowadzonego z innego kraju " +
					"Unii Europejskiej. Masz na to 30 dni od przywozu.",
				instructions: "Zabierz ze sobą:\n" +
					"- wypełniony wniosek o rejestrację pojazdu,\n" +
					"- dowód własności; dokumenty w języku obcym z tłumaczeniem przysięgłym,\n" +
					"- zagraniczny dowód rejestracyjny i tablice rejestracyjne, jeśli były wydane,\n" +
					"- zaświadczenie o pozytywnym wyniku badania technicznego,\n" +
					"- dokument potwierdzający zapłatę akcyzy albo zwolnienie z niej,\n" +
					"- potwierdzenie zawarcia umowy ubezpieczenia OC,\n" +
					"- dowód osobisty.\n" +
					"Opłaty (samochód osobowy): 256 zł, w tym karta pojazdu 75 zł.",
			},
			{
				name:        "Odbiór stałego dowodu rejestracyjnego",
				slotMinutes: 10,
				capacity:    2,
				description: "Odbiór dowodu rejestracyjnego po rejestracji pojazdu, gdy jego status " +
					"to „gotowy do odbioru”.",
				instructions: "Zabierz ze sobą:\n" +
					"- pozwolenie czasowe,\n" +
					"- dowód osobisty,\n" +
					"- pełnomocnictwo, jeśli odbierasz dowód za kogoś (17 zł opłaty skarbowej).\n" +
					"Odbiór jest bezpłatny; opłaty uiszczono przy rejestracji.",
			},
			{
				name:        "Zawiadomienie o zbyciu pojazdu",
				slotMinutes: 10,
				capacity:    2,
				description: "Zgłoszenie sprzedaży lub darowizny pojazdu. Sprzedający ma na to 30 dni, " +
					"inaczej grozi mu kara.",
				instructions: "Zabierz ze sobą kopię umowy sprzedaży (lub innego dokumentu zbycia) " +
					"i dowód osobisty.\n" +
					"Zawiadomienie jest bezpłatne. Złożysz je też przez internet na gov.pl.",
			},
			{
				name:        "Wyrejestrowanie pojazdu",
				slotMinutes: 15,
				capacity:    1,
				description: "Wyrejestrowanie pojazdu po demontażu (kasacji), kradzieży lub trwałym " +
					"wywozie za granicę.",
				instructions: "Zabierz ze sobą:\n" +
					"- wypełniony wniosek o wyrejestrowanie,\n" +
					"- dowód rejestracyjny, tablice rejestracyjne i kartę pojazdu, jeśli była wydana,\n" +
					"- zaświadczenie o demontażu pojazdu ze stacji demontażu albo zaświadczenie " +
					"policji o kradzieży,\n" +
					"- dowód osobisty.\n" +
					"Wyrejestrowanie jest bezpłatne.",
			},
		},
	},
	{
		name:     "Prawa jazdy",
		prefix:   "J",
		counters: 2,
		services: []demoService{
			{
				name:        "Profil kandydata na kierowcę (PKK)",
				slotMinutes: 15,
				capacity:    2,
				description: "Uzyskanie numeru PKK, bez którego nie zapiszesz się na kurs " +
					"ani egzamin na prawo jazdy.",
				instructions: "Zabierz ze sobą:\n" +
					"- wypełniony wniosek o wydanie prawa jazdy,\n" +
					"- kolorową fotografię 35×45 mm,\n" +
					"- orzeczenie lekarskie o braku przeciwwskazań do kierowania pojazdami,\n" +
					"- pisemną zgodę rodzica lub opiekuna, jeśli nie masz 18 lat,\n" +
					"- dowód osobisty.\n" +
					"Wydanie PKK jest bezpłatne; opłatę 100,50 zł za prawo jazdy wnosisz po zdanym egzaminie.",
			},
			{
				name:        "Odbiór prawa jazdy",
				slotMinutes: 10,
				capacity:    2,
				description: "Odbiór gotowego prawa jazdy po zdanym egzaminie lub wymianie dokumentu.",
				instructions: "Prawo jazdy odbierzesz, gdy jego status na gov.pl to „gotowe do odbioru”.\n" +
					"Zabierz ze sobą dowód osobisty, a przy wymianie — dotychczasowe prawo jazdy.\n" +
					"Za inną osobę odbierzesz dokument tylko z pełnomocnictwem (17 zł opłaty skarbowej).",
			},
			{
				name:        "Wymiana prawa jazdy",
				slotMinutes: 15,
				capacity:    2,
				description: "Wymiana prawa jazdy po upływie ważności, zmianie nazwiska lub adresu " +
					"w dokumencie starego wzoru, albo wydanie wtórnika po utracie.",
				instructions: "Zabierz ze sobą:\n" +
					"- wypełniony wniosek o wydanie prawa jazdy,\n" +
					"- kolorową fotografię 35×45 mm,\n" +
					"- dotychczasowe prawo jazdy (przy utracie — oświadczenie o utracie),\n" +
					"- orzeczenie lekarskie, jeśli ważność prawa jazdy zależała od badań,\n" +
					"- dowód osobisty.\n" +
					"Opłata: 100,50 zł (100 zł za prawo jazdy i 0,50 zł opłaty ewidencyjnej).",
			},
			{
				name:        "Międzynarodowe prawo jazdy",
				slotMinutes: 15,
				capacity:    1,
				description: "Wydanie międzynarodowego prawa jazdy na wyjazd do kraju, który nie uznaje " +
					"polskiego dokumentu.",
				instructions: "Zabierz ze sobą:\n" +
					"- wypełniony wniosek,\n" +
					"- kolorową fotografię 35×45 mm,\n" +
					"- krajowe prawo jazdy (do wglądu),\n" +
					"- dowód osobisty.\n" +
					"Opłata: 35,50 zł (35 zł i 0,50 zł opłaty ewidencyjnej).",
			},
		},
	},
}
