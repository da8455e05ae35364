package demo

// The demo catalog in English and Ukrainian, and the words residents search
// its matters by, keyed by the Polish name of the department or matter.

// translation is a department's or matter's texts in English and Ukrainian
// and, for a matter, its search keywords.
type translation struct {
	nameEN, nameUK                 string
	descriptionEN, descriptionUK   string
	instructionsEN, instructionsUK string
	keywords                       string
}

var departmentTranslations = map[string]translation{
	"Biuro Obsługi Klienta": {nameEN: "Customer Service Office", nameUK: "Бюро обслуговування клієнтів"},
	"Dowody osobiste":       {nameEN: "ID cards", nameUK: "Посвідчення особи (dowody osobiste)"},
	"Rejestracja pojazdów":  {nameEN: "Vehicle registration", nameUK: "Реєстрація транспортних засобів"},
	"Prawa jazdy":           {nameEN: "Driving licences", nameUK: "Посвідчення водія (prawa jazdy)"},
}

var serviceTranslations = map[string]translation{
	"Zameldowanie na pobyt stały lub czasowy": {
		nameEN:        "Registering your residence (permanent or temporary)",
		nameUK:        "Реєстрація місця проживання (zameldowanie), постійного або тимчасового",
		descriptionEN: "Registering a permanent or temporary stay at an address in the town. You must register no later than 30 days after moving in.",
		descriptionUK: "Реєстрація постійного або тимчасового перебування за адресою в місті. Зареєструватися потрібно не пізніше 30-го дня після заселення.",
		instructionsEN: "Bring:\n" +
			"- your ID card or passport,\n" +
			"- the completed form registering a permanent or temporary stay (also available here),\n" +
			"- a document showing your legal title to the flat (tenancy agreement, notarial deed, land register extract, allocation decision), to be shown,\n" +
			"- if you do not own the flat: the owner's or main tenant's signature on the form.\n" +
			"Registration is free. You can also register online at gov.pl with a Trusted Profile or an e-ID card.",
		instructionsUK: "Візьміть із собою:\n" +
			"- посвідчення особи або паспорт,\n" +
			"- заповнений бланк реєстрації постійного або тимчасового перебування (є також на місці),\n" +
			"- документ, що підтверджує право на житло (договір оренди, нотаріальний акт, витяг з іпотечної книги, рішення про надання житла), для огляду,\n" +
			"- якщо ви не власник: підпис власника або наймача житла на бланку.\n" +
			"Реєстрація безкоштовна. Зареєструватися можна також онлайн на gov.pl з Довіреним профілем або е-посвідченням.",
		keywords: "meldunek, meldowanie, zameldować, adres, registration, residence, address, check in, прописка, реєстрація, проживання, адреса",
	},
	"Wymeldowanie z pobytu stałego lub czasowego": {
		nameEN:         "Deregistering your residence (permanent or temporary)",
		nameUK:         "Зняття з реєстрації місця проживання (wymeldowanie)",
		descriptionEN:  "Reporting that you left your place of permanent or temporary stay before the declared period ended.",
		descriptionUK:  "Повідомлення про виїзд з місця постійного або тимчасового перебування до закінчення заявленого строку.",
		instructionsEN: "Bring your ID card or passport. Deregistration is free.\nIf you register a permanent stay at a new address, you need not deregister separately — we do it when you register.",
		instructionsUK: "Візьміть із собою посвідчення особи або паспорт. Зняття з реєстрації безкоштовне.\nЯкщо ви реєструєтеся на постійне проживання за новою адресою, окремо зніматися з реєстрації не потрібно — ми зробимо це під час реєстрації.",
		keywords:       "meldunek, wymeldować, wyprowadzka, deregistration, residence, moving out, виписка, зняття, проживання",
	},
	"Potwierdzenie Profilu Zaufanego": {
		nameEN:        "Confirming a Trusted Profile (Profil Zaufany)",
		nameUK:        "Підтвердження Довіреного профілю (Profil Zaufany)",
		descriptionEN: "Confirming your identity for a Trusted Profile, with which you sign letters and deal with public matters online.",
		descriptionUK: "Підтвердження особи для Довіреного профілю, яким ви підписуєте листи й вирішуєте адміністративні справи онлайн.",
		instructionsEN: "Before the visit apply for a Trusted Profile at pz.gov.pl — you then have 14 days to confirm it at the office.\n" +
			"Bring:\n" +
			"- your ID card or passport,\n" +
			"- the phone with the number given in the application (you will get an SMS code).\n" +
			"Confirmation is free.",
		instructionsUK: "Перед візитом подайте заяву на Довірений профіль на pz.gov.pl — маєте 14 днів, щоб підтвердити його в установі.\n" +
			"Візьміть із собою:\n" +
			"- посвідчення особи або паспорт,\n" +
			"- телефон із номером, указаним у заяві (ви отримаєте SMS-код).\n" +
			"Підтвердження безкоштовне.",
		keywords: "profil zaufany, ePUAP, e-podpis, podpis elektroniczny, trusted profile, electronic signature, електронний підпис",
	},
	"Zaświadczenie o zameldowaniu": {
		nameEN:        "Certificate of registered residence",
		nameUK:        "Довідка про реєстрацію місця проживання (zaświadczenie o zameldowaniu)",
		descriptionEN: "A certificate of your registered permanent or temporary residence, for example for an employer, a bank or a school.",
		descriptionUK: "Довідка про реєстрацію постійного або тимчасового проживання, наприклад для роботодавця, банку чи школи.",
		instructionsEN: "Bring your ID card or passport, and a power of attorney if the certificate concerns another person.\n" +
			"Stamp duty: PLN 17 for the certificate, PLN 17 for lodging a power of attorney. Pay by card at the counter or by transfer to the office's account.",
		instructionsUK: "Візьміть із собою посвідчення особи або паспорт, а якщо довідка стосується іншої особи — довіреність.\n" +
			"Гербовий збір: 17 злотих за довідку, 17 злотих за подання довіреності. Оплатити можна карткою біля стійки або переказом на рахунок установи.",
		keywords: "meldunek, zaświadczenie meldunkowe, registration, residence, certificate, довідка, прописка, реєстрація, проживання",
	},
	"Wniosek o wydanie dowodu osobistego": {
		nameEN:        "Applying for an ID card",
		nameUK:        "Заява на видачу посвідчення особи (dowód osobisty)",
		descriptionEN: "Applying for a new ID card: your first, after expiry, after a change of data, after loss or damage. Also for children.",
		descriptionUK: "Подання заяви на нове посвідчення особи: перше, після закінчення строку дії, зміни даних, втрати або пошкодження. Також для дітей.",
		instructionsEN: "You apply in person (for a child — a parent, with the child present). The clerk fills in the application with you and takes fingerprints (from the age of 12).\n" +
			"Bring:\n" +
			"- a current colour photograph 35×45 mm, taken no more than 6 months before, on a plain light background, face uncovered,\n" +
			"- your current ID card, if you have one.\n" +
			"The ID card is free. It will be ready in about 30 days; if you give a phone number, we will send an SMS.",
		instructionsUK: "Заяву подаєте особисто (за дитину — один із батьків, у присутності дитини). Працівник заповнить її разом із вами і зніме відбитки пальців (з 12 років).\n" +
			"Візьміть із собою:\n" +
			"- актуальну кольорову фотографію 35×45 мм, зроблену не раніше ніж за 6 місяців, на однотонному світлому тлі, з відкритим обличчям,\n" +
			"- чинне посвідчення особи, якщо воно у вас є.\n" +
			"Видача посвідчення безкоштовна. Воно буде готове приблизно за 30 днів; якщо вкажете номер телефону, надішлемо SMS.",
		keywords: "dowód, nowy dowód, e-dowód, identity card, ID, документ, ID-картка",
	},
	"Odbiór dowodu osobistego": {
		nameEN:         "Collecting an ID card",
		nameUK:         "Отримання посвідчення особи (dowód osobisty)",
		descriptionEN:  "Collecting a ready ID card applied for at our office.",
		descriptionUK:  "Отримання готового посвідчення особи, заяву на яке подано в нашій установі.",
		instructionsEN: "You collect the ID card in person once its status at gov.pl is “ready for collection” or we have sent you an SMS.\nBring your current ID card — we will cancel it on collection.\nOn collection you can set the PIN codes of the electronic layer (e-ID). Collection is free.",
		instructionsUK: "Посвідчення отримуєте особисто, коли його статус на gov.pl «готове до отримання» або ви отримали від нас SMS.\nВізьміть чинне посвідчення особи — ми анулюємо його під час видачі.\nПід час отримання можна встановити PIN-коди електронного шару (е-посвідчення). Отримання безкоштовне.",
		keywords:       "dowód, odbiór dokumentu, identity card, ID, collection, pick up, ID-картка",
	},
	"Zgłoszenie utraty lub uszkodzenia dowodu osobistego": {
		nameEN:         "Reporting a lost or damaged ID card",
		nameUK:         "Заява про втрату або пошкодження посвідчення особи (dowód osobisty)",
		descriptionEN:  "Cancelling a lost, stolen or damaged ID card so that nobody can use it.",
		descriptionUK:  "Анулювання загубленого, викраденого або пошкодженого посвідчення особи, щоб ніхто не міг ним скористатися.",
		instructionsEN: "Bring another document with a photo (passport, driving licence) if you have one, and the damaged card if it was damaged.\nReporting is free. At the same visit you can apply for a new ID card — bring a 35×45 mm photograph.\nYou can also report a lost ID card online at gov.pl, day and night.",
		instructionsUK: "Візьміть інший документ із фото (паспорт, посвідчення водія), якщо маєте, а в разі пошкодження — пошкоджене посвідчення.\nЗаява безкоштовна. Під час того самого візиту можна подати заяву на нове посвідчення — візьміть фотографію 35×45 мм.\nПро втрату посвідчення можна також цілодобово повідомити онлайн на gov.pl.",
		keywords:       "dowód, zgubiony, skradziony, kradzież, identity card, ID, stolen, lost, ID-картка, крадіжка",
	},
	"Rejestracja pojazdu kupionego w Polsce": {
		nameEN:        "Registering a vehicle bought in Poland",
		nameUK:        "Реєстрація транспортного засобу, купленого в Польщі",
		descriptionEN: "Registering a used vehicle, already registered in Poland, to its new owner. You have 30 days from the purchase.",
		descriptionUK: "Реєстрація вживаного транспортного засобу, вже зареєстрованого в Польщі, на нового власника. На це є 30 днів від купівлі.",
		instructionsEN: "Bring:\n" +
			"- the completed vehicle registration application,\n" +
			"- proof of ownership (sales contract, invoice, deed of gift),\n" +
			"- the current registration certificate,\n" +
			"- the vehicle card, if one was issued,\n" +
			"- the current number plates, if you want new ones,\n" +
			"- proof of third-party liability (OC) insurance,\n" +
			"- your ID card; for a company or another person — a power of attorney (PLN 17 stamp duty).\n" +
			"Fees (passenger car) with new number plates: PLN 180.50; keeping the current plates costs less.",
		instructionsUK: "Візьміть із собою:\n" +
			"- заповнену заяву на реєстрацію транспортного засобу,\n" +
			"- документ про право власності (договір купівлі-продажу, рахунок-фактуру, договір дарування),\n" +
			"- чинне свідоцтво про реєстрацію,\n" +
			"- картку транспортного засобу, якщо її видавали,\n" +
			"- чинні номерні знаки, якщо хочете нові,\n" +
			"- підтвердження страхування цивільної відповідальності (OC),\n" +
			"- посвідчення особи; за фірму або іншу особу — довіреність (17 злотих гербового збору).\n" +
			"Збори (легковий автомобіль) з новими номерними знаками: 180,50 злотих; якщо залишаєте чинні знаки, збір нижчий.",
		keywords: "samochód, auto, przerejestrowanie, tablice, car, vehicle, number plates, автомобіль, авто, машина",
	},
	"Rejestracja pojazdu sprowadzonego z Unii Europejskiej": {
		nameEN:        "Registering a vehicle brought from the European Union",
		nameUK:        "Реєстрація транспортного засобу, ввезеного з Європейського Союзу",
		descriptionEN: "The first registration in Poland of a vehicle brought from another EU country. You have 30 days from bringing it in.",
		descriptionUK: "Перша реєстрація в Польщі транспортного засобу, ввезеного з іншої країни ЄС. На це є 30 днів від ввезення.",
		instructionsEN: "Bring:\n" +
			"- the completed vehicle registration application,\n" +
			"- proof of ownership; documents in a foreign language with a sworn translation,\n" +
			"- the foreign registration certificate and number plates, if they were issued,\n" +
			"- the certificate of a passed roadworthiness test,\n" +
			"- proof of paid excise duty or of the exemption from it,\n" +
			"- proof of third-party liability (OC) insurance,\n" +
			"- your ID card.\n" +
			"Fees (passenger car): PLN 256, including PLN 75 for the vehicle card.",
		instructionsUK: "Візьміть із собою:\n" +
			"- заповнену заяву на реєстрацію транспортного засобу,\n" +
			"- документ про право власності; документи іноземною мовою — з присяжним перекладом,\n" +
			"- іноземне свідоцтво про реєстрацію та номерні знаки, якщо їх видавали,\n" +
			"- довідку про успішний технічний огляд,\n" +
			"- документ про сплату акцизу або звільнення від нього,\n" +
			"- підтвердження страхування цивільної відповідальності (OC),\n" +
			"- посвідчення особи.\n" +
			"Збори (легковий автомобіль): 256 злотих, зокрема 75 злотих за картку транспортного засобу.",
		keywords: "samochód, auto, import, z zagranicy, Niemcy, car, vehicle, import, abroad, автомобіль, авто, машина, пригнати",
	},
	"Odbiór stałego dowodu rejestracyjnego": {
		nameEN:         "Collecting the permanent registration certificate",
		nameUK:         "Отримання постійного свідоцтва про реєстрацію (dowód rejestracyjny)",
		descriptionEN:  "Collecting the registration certificate after registering a vehicle, once its status is “ready for collection”.",
		descriptionUK:  "Отримання свідоцтва про реєстрацію після реєстрації транспортного засобу, коли його статус «готове до отримання».",
		instructionsEN: "Bring:\n- the temporary permit,\n- your ID card,\n- a power of attorney if you collect the certificate for someone else (PLN 17 stamp duty).\nCollection is free; the fees were paid at registration.",
		instructionsUK: "Візьміть із собою:\n- тимчасовий дозвіл,\n- посвідчення особи,\n- довіреність, якщо отримуєте свідоцтво за когось (17 злотих гербового збору).\nОтримання безкоштовне; збори сплачено під час реєстрації.",
		keywords:       "dowód rejestracyjny, samochód, car, vehicle, registration document, техпаспорт, автомобіль",
	},
	"Zawiadomienie o zbyciu pojazdu": {
		nameEN:         "Notifying the sale of a vehicle",
		nameUK:         "Повідомлення про продаж транспортного засобу",
		descriptionEN:  "Reporting the sale or gift of a vehicle. The seller has 30 days to do it, or faces a fine.",
		descriptionUK:  "Повідомлення про продаж або дарування транспортного засобу. Продавець має на це 30 днів, інакше йому загрожує штраф.",
		instructionsEN: "Bring a copy of the sales contract (or another document of the sale) and your ID card.\nThe notification is free. You can also file it online at gov.pl.",
		instructionsUK: "Візьміть копію договору купівлі-продажу (або іншого документа про відчуження) і посвідчення особи.\nПовідомлення безкоштовне. Подати його можна також онлайн на gov.pl.",
		keywords:       "sprzedaż, sprzedałem, samochód, auto, car, vehicle, sold, продаж, автомобіль",
	},
	"Wyrejestrowanie pojazdu": {
		nameEN:         "Deregistering a vehicle",
		nameUK:         "Зняття транспортного засобу з реєстрації",
		descriptionEN:  "Deregistering a vehicle after it was scrapped, stolen or permanently taken abroad.",
		descriptionUK:  "Зняття транспортного засобу з реєстрації після утилізації, крадіжки або остаточного вивезення за кордон.",
		instructionsEN: "Bring:\n- the completed deregistration application,\n- the registration certificate, number plates and vehicle card, if one was issued,\n- the certificate of scrapping from a dismantling station or the police certificate of theft,\n- your ID card.\nDeregistration is free.",
		instructionsUK: "Візьміть із собою:\n- заповнену заяву на зняття з реєстрації,\n- свідоцтво про реєстрацію, номерні знаки та картку транспортного засобу, якщо її видавали,\n- довідку про утилізацію зі станції демонтажу або довідку поліції про крадіжку,\n- посвідчення особи.\nЗняття з реєстрації безкоштовне.",
		keywords:       "kasacja, złomowanie, samochód, auto, car, vehicle, scrapping, утилізація, автомобіль",
	},
	"Profil kandydata na kierowcę (PKK)": {
		nameEN:         "Driver candidate profile (PKK)",
		nameUK:         "Профіль кандидата у водії (PKK)",
		descriptionEN:  "Getting a PKK number, without which you cannot sign up for a driving course or test.",
		descriptionUK:  "Отримання номера PKK, без якого не записатися на курс чи іспит на посвідчення водія.",
		instructionsEN: "Bring:\n- the completed driving licence application,\n- a colour photograph 35×45 mm,\n- a medical certificate that you are fit to drive,\n- written consent of a parent or guardian if you are under 18,\n- your ID card.\nThe PKK is free; you pay PLN 100.50 for the licence after passing the test.",
		instructionsUK: "Візьміть із собою:\n- заповнену заяву на видачу посвідчення водія,\n- кольорову фотографію 35×45 мм,\n- медичну довідку про відсутність протипоказань до керування,\n- письмову згоду одного з батьків або опікуна, якщо вам немає 18 років,\n- посвідчення особи.\nPKK безкоштовний; 100,50 злотих за посвідчення водія сплачуєте після складеного іспиту.",
		keywords:       "kurs, egzamin, prawo jazdy, kierowca, driving test, learner, driver, іспит, водій, права",
	},
	"Odbiór prawa jazdy": {
		nameEN:         "Collecting a driving licence",
		nameUK:         "Отримання посвідчення водія (prawo jazdy)",
		descriptionEN:  "Collecting a ready driving licence after passing the test or replacing the document.",
		descriptionUK:  "Отримання готового посвідчення водія після складеного іспиту або заміни документа.",
		instructionsEN: "You can collect the licence once its status at gov.pl is “ready for collection”.\nBring your ID card, and for a replacement your current driving licence.\nYou can collect it for someone else only with a power of attorney (PLN 17 stamp duty).",
		instructionsUK: "Посвідчення водія можна отримати, коли його статус на gov.pl «готове до отримання».\nВізьміть посвідчення особи, а в разі заміни — чинне посвідчення водія.\nЗа іншу особу отримати документ можна лише з довіреністю (17 злотих гербового збору).",
		keywords:       "kierowca, driver, license, водій, права",
	},
	"Wymiana prawa jazdy": {
		nameEN:         "Replacing a driving licence",
		nameUK:         "Заміна посвідчення водія (prawo jazdy)",
		descriptionEN:  "Replacing a driving licence after it expires, after a change of name or of the address in an old-style document, or a duplicate after loss.",
		descriptionUK:  "Заміна посвідчення водія після закінчення строку дії, зміни прізвища чи адреси в документі старого зразка, або дублікат після втрати.",
		instructionsEN: "Bring:\n- the completed driving licence application,\n- a colour photograph 35×45 mm,\n- your current driving licence (if lost — a statement of the loss),\n- a medical certificate if the licence's validity depended on an examination,\n- your ID card.\nFee: PLN 100.50 (PLN 100 for the licence and PLN 0.50 record fee).",
		instructionsUK: "Візьміть із собою:\n- заповнену заяву на видачу посвідчення водія,\n- кольорову фотографію 35×45 мм,\n- чинне посвідчення водія (у разі втрати — заяву про втрату),\n- медичну довідку, якщо строк дії посвідчення залежав від обстеження,\n- посвідчення особи.\nЗбір: 100,50 злотих (100 злотих за посвідчення і 0,50 злотого облікового збору).",
		keywords:       "kierowca, wtórnik, duplikat, zgubione, driver, license, renewal, duplicate, водій, права, дублікат",
	},
	"Międzynarodowe prawo jazdy": {
		nameEN:         "International driving permit",
		nameUK:         "Міжнародне посвідчення водія",
		descriptionEN:  "Issuing an international driving permit for travel to a country that does not recognise the Polish licence.",
		descriptionUK:  "Видача міжнародного посвідчення водія для поїздки до країни, яка не визнає польського документа.",
		instructionsEN: "Bring:\n- the completed application,\n- a colour photograph 35×45 mm,\n- your national driving licence (to be shown),\n- your ID card.\nFee: PLN 35.50 (PLN 35 and PLN 0.50 record fee).",
		instructionsUK: "Візьміть із собою:\n- заповнену заяву,\n- кольорову фотографію 35×45 мм,\n- національне посвідчення водія (для огляду),\n- посвідчення особи.\nЗбір: 35,50 злотих (35 злотих і 0,50 злотого облікового збору).",
		keywords:       "kierowca, zagranica, wyjazd, driver, licence, license, abroad, IDP, водій, права, закордон",
	},
}
