package escpos

// Preset is a printer model offices buy, with the settings it prints with
// out of the box. An administrator picks one and may then change any field.
type Preset struct {
	ID      string // stable, for the settings form
	Name    string // for people
	Profile Profile
	// Status reports that the model answers DLE EOT status requests.
	Status bool
}

// Presets are the models offices buy:
//
//   - Epson TM-T20 (II/III): 80 mm, 48 columns of font A on 576 dots, code
//     table 18 (PC852), native QR, partial cut.
//   - Epson TM-T88 (III–V, and later ones in their default mode): 42
//     columns on 512 dots; the III and IV have no QR command, so the QR
//     code is sent as an image.
//   - A generic 58 mm clone (ZJ-5870, POS-5890 and the many rebadged
//     ones): 32 columns on 384 dots, PC852 at 18 as on Epson (the one
//     Polish table they all list; their WPC1250 is 72, not 45), no QR
//     command, no cutter, and FS . because many boot in Chinese mode.
var Presets = []Preset{
	{ID: "tm-t20", Name: "Epson TM-T20 (80 mm)", Status: true, Profile: Profile{
		Name: "tm-t20", PaperMM: 80, Columns: 48, Dots: 576, CodeTable: CodeTablePC852, Charset: CharsetPC852,
		QR: QRNative, Cut: CutPartial}},
	{ID: "tm-t88", Name: "Epson TM-T88 III–V (80 mm, 42 kolumny)", Status: true, Profile: Profile{
		Name: "tm-t88", PaperMM: 80, Columns: 42, Dots: 512, CodeTable: CodeTablePC852, Charset: CharsetPC852,
		QR: QRRaster, Cut: CutPartial}},
	{ID: "clone-58", Name: "Klon 58 mm (ZJ-5870, POS-5890 i podobne)", Status: true, Profile: Profile{
		Name: "clone-58", PaperMM: 58, Columns: 32, Dots: 384, CodeTable: CodeTablePC852, Charset: CharsetPC852,
		QR: QRRaster, Cut: CutFeed, ChineseOff: true}},
}
