// Package ldaptest runs a real OpenLDAP server (Debian's slapd) for tests:
// its own configuration, database and TLS certificate in a temporary
// directory, on free ports of 127.0.0.1 (ldap:// with StartTLS, and
// ldaps://), seeded with the office's people and groups below.
//
// Without slapd the test is skipped, or fails under CI=true (.ci/run
// installs slapd and ldap-utils).
package ldaptest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	ldapv3 "github.com/go-ldap/ldap/v3"

	"github.com/okienko/okienko/auth/ldap"
)

// The directory's tree, its service account and groups.
const (
	BaseDN          = "dc=okienko,dc=test"
	People          = "ou=people," + BaseDN
	BindDN          = "cn=okienko,ou=services," + BaseDN
	BindPassword    = "service secret 1"
	AdminGroup      = "cn=okienko-admins,ou=groups," + BaseDN // groupOfUniqueNames
	ClerkGroup      = "cn=okienko-clerks,ou=groups," + BaseDN // groupOfNames (memberOf)
	rootDN          = "cn=root," + BaseDN
	rootPassword    = "root secret 1"
	permanentLocked = "000001010000Z"
)

// Person is one seeded person.
type Person struct {
	Name        string // the sign-in name (uid, or sAMAccountName for AD-like ones)
	Password    string
	DisplayName string
}

// The seeded people. Clerk is in the clerks' group (seen through
// memberOf); Admin in both groups (the administrators' by uniqueMember);
// Nobody in none; Locked is locked by OpenLDAP's password policy; ADClerk
// is an Active Directory-like clerk with only a sAMAccountName and
// userAccountControl 512, ADDisabled the same with 514 (ACCOUNTDISABLE);
// Twin names two entries.
var (
	Clerk      = Person{"jkowalska", "clerk pass 1", "Joanna Kowalska"}
	Admin      = Person{"anowak", "admin pass 1", "Adam Nowak"}
	Nobody     = Person{"pwisniewski", "nobody pass 1", "Piotr Wiśniewski"}
	Locked     = Person{"mzablocka", "locked pass 1", "Maria Zabłocka"}
	ADClerk    = Person{"tnowicki", "ad clerk pass 1", "Tomasz Nowicki"}
	ADDisabled = Person{"kwojcik", "ad disabled pass 1", "Kamil Wójcik"}
	Twin       = Person{"twin", "twin pass 1", "Twin"}
)

// Server is a running slapd.
type Server struct {
	URL         string // ldap://127.0.0.1:PORT (StartTLS offered)
	LDAPSURL    string // ldaps://127.0.0.1:PORT
	CAFile      string // the CA that signed the server's certificate
	OtherCAFile string // a CA that signed nothing of this server
}

// Config is the directory's configuration for url (s.URL or s.LDAPSURL),
// with the service account, base, groups and the right CA.
func (s *Server) Config(url string) ldap.Config {
	return ldap.Config{URL: url, CAFile: s.CAFile, BindDN: BindDN, BindPassword: BindPassword, BaseDN: BaseDN,
		AdminGroup: AdminGroup, ClerkGroup: ClerkGroup, Timeout: 5 * time.Second}
}

// Start starts a seeded slapd for t, stopped when t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	slapd := findSlapd()
	if slapd == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("slapd is not installed (apt-get install slapd ldap-utils); CI=true requires it")
		}
		t.Skip("slapd is not installed (apt-get install slapd ldap-utils)")
	}
	dir := t.TempDir()
	s := &Server{CAFile: filepath.Join(dir, "ca.pem"), OtherCAFile: filepath.Join(dir, "other-ca.pem")}
	if err := makeCertificates(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "db"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ad.schema"), []byte(adSchema), 0o600); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "slapd.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(slapdConf, dir)), 0o600); err != nil {
		t.Fatal(err)
	}

	// A port found free may be taken before slapd binds it: a few tries.
	var lastErr error
	for try := 0; try < 5; try++ {
		plain, tlsPort := freePort(t), freePort(t)
		if plain == tlsPort {
			continue
		}
		s.URL = "ldap://127.0.0.1:" + strconv.Itoa(plain)
		s.LDAPSURL = "ldaps://127.0.0.1:" + strconv.Itoa(tlsPort)
		if lastErr = run(t, slapd, conf, s.URL+"/ "+s.LDAPSURL+"/"); lastErr == nil {
			break
		}
	}
	if lastErr != nil {
		t.Fatal(lastErr)
	}
	if err := seed(s.URL); err != nil {
		t.Fatalf("seed slapd: %v", err)
	}
	return s
}

func findSlapd() string {
	if p, err := exec.LookPath("slapd"); err == nil {
		return p
	}
	for _, p := range []string{"/usr/sbin/slapd", "/usr/local/sbin/slapd"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// freePort returns a port of 127.0.0.1 free a moment ago.
func freePort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// syncBuffer is slapd's output, read when it fails.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.b.Len() > 1<<20 {
		return len(p), nil
	}
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// run starts slapd in the foreground on urls and waits until it answers;
// it is stopped when t ends.
func run(t testing.TB, slapd, conf, urls string) error {
	out := &syncBuffer{}
	cmd := exec.Command(slapd, "-f", conf, "-h", urls, "-d", "0")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Kill()
		<-done
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case err := <-done:
			return fmt.Errorf("slapd stopped (%v): %s", err, out.String())
		default:
		}
		conn, err := ldapv3.DialURL(urlsFirst(urls), ldapv3.DialWithDialer(&net.Dialer{Timeout: time.Second}))
		if err == nil {
			conn.Close()
			t.Cleanup(stop)
			return nil
		}
		if time.Now().After(deadline) {
			stop()
			return fmt.Errorf("slapd doesn't answer on %s: %v: %s", urls, err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func urlsFirst(urls string) string {
	for i, r := range urls {
		if r == ' ' {
			return urls[:i]
		}
	}
	return urls
}

// seed adds the tree, the people and the groups as the root DN.
func seed(url string) error {
	conn, err := ldapv3.DialURL(url, ldapv3.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}))
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetTimeout(10 * time.Second)
	if err := conn.Bind(rootDN, rootPassword); err != nil {
		return err
	}
	person := func(p Person, dn string, extra map[string][]string) entry {
		a := map[string][]string{"objectClass": {"inetOrgPerson"}, "cn": {p.DisplayName}, "sn": {p.DisplayName},
			"displayName": {p.DisplayName}, "userPassword": {p.Password}}
		for k, v := range extra {
			a[k] = v
		}
		if dn == "" {
			dn = "uid=" + p.Name + "," + People
			a["uid"] = []string{p.Name}
		}
		return entry{dn, a}
	}
	adDN := func(p Person) string { return "cn=" + p.DisplayName + "," + People }
	ad := func(uac string, p Person) map[string][]string {
		return map[string][]string{"objectClass": {"inetOrgPerson", "okienkoADUser"}, "sAMAccountName": {p.Name}, "userAccountControl": {uac}}
	}
	dn := func(p Person) string { return "uid=" + p.Name + "," + People }
	entries := []entry{
		{BaseDN, map[string][]string{"objectClass": {"dcObject", "organization"}, "dc": {"okienko"}, "o": {"Okienko"}}},
		{People, map[string][]string{"objectClass": {"organizationalUnit"}, "ou": {"people"}}},
		{"ou=groups," + BaseDN, map[string][]string{"objectClass": {"organizationalUnit"}, "ou": {"groups"}}},
		{"ou=services," + BaseDN, map[string][]string{"objectClass": {"organizationalUnit"}, "ou": {"services"}}},
		{"ou=policies," + BaseDN, map[string][]string{"objectClass": {"organizationalUnit"}, "ou": {"policies"}}},
		{"cn=default,ou=policies," + BaseDN, map[string][]string{"objectClass": {"device", "pwdPolicy"}, "cn": {"default"},
			"pwdAttribute": {"userPassword"}, "pwdLockout": {"TRUE"}, "pwdMaxFailure": {"0"}}},
		{BindDN, map[string][]string{"objectClass": {"organizationalRole", "simpleSecurityObject"}, "cn": {"okienko"}, "userPassword": {BindPassword}}},
		person(Clerk, "", nil),
		person(Admin, "", nil),
		person(Nobody, "", nil),
		person(Locked, "", map[string][]string{"pwdAccountLockedTime": {permanentLocked}}),
		person(ADClerk, adDN(ADClerk), ad("512", ADClerk)),
		person(ADDisabled, adDN(ADDisabled), ad("514", ADDisabled)),
		person(Twin, "cn=Twin One,"+People, map[string][]string{"uid": {Twin.Name}, "cn": {"Twin One"}}),
		person(Twin, "cn=Twin Two,"+People, map[string][]string{"uid": {Twin.Name}, "cn": {"Twin Two"}}),
		{ClerkGroup, map[string][]string{"objectClass": {"groupOfNames"}, "cn": {"okienko-clerks"},
			"member": {dn(Clerk), dn(Admin), dn(Locked), adDN(ADClerk), adDN(ADDisabled), "cn=Twin One," + People}}},
		{AdminGroup, map[string][]string{"objectClass": {"groupOfUniqueNames"}, "cn": {"okienko-admins"},
			"uniqueMember": {dn(Admin)}}},
	}
	for _, e := range entries {
		req := ldapv3.NewAddRequest(e.dn, nil)
		for k, v := range e.attrs {
			req.Attribute(k, v)
		}
		if err := conn.Add(req); err != nil {
			return fmt.Errorf("add %s: %w", e.dn, err)
		}
	}
	return nil
}

type entry struct {
	dn    string
	attrs map[string][]string
}

// makeCertificates writes a CA, a server certificate it signs for
// 127.0.0.1 and localhost with its key, and another CA.
func makeCertificates(dir string) error {
	caKey, caCert, caDER, err := newCA("Okienko test LDAP CA")
	if err != nil {
		return err
	}
	_, _, otherDER, err := newCA("Okienko test other CA")
	if err != nil {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	for name, b := range map[string]*pem.Block{
		"ca.pem":       {Type: "CERTIFICATE", Bytes: caDER},
		"other-ca.pem": {Type: "CERTIFICATE", Bytes: otherDER},
		"server.pem":   {Type: "CERTIFICATE", Bytes: der},
		"server.key":   {Type: "PRIVATE KEY", Bytes: keyDER},
	} {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(b), 0o600); err != nil {
			return err
		}
	}
	return nil
}

func newCA(name string) (*ecdsa.PrivateKey, *x509.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	return key, cert, der, err
}

// adSchema gives OpenLDAP Active Directory's two attributes the directory
// reads (with AD's own OIDs), for AD-like people.
const adSchema = `
attributetype ( 1.2.840.113556.1.4.221 NAME 'sAMAccountName'
	EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
	SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.8 NAME 'userAccountControl'
	EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.4203.666.11.99.1 NAME 'okienkoADUser' AUXILIARY
	MAY ( sAMAccountName $ userAccountControl ) )
`

// slapdConf is the server's configuration; %[1]s is its directory.
// Anonymous clients may only bind; the service account reads everything.
const slapdConf = `
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include %[1]s/ad.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
moduleload ppolicy
pidfile %[1]s/slapd.pid
argsfile %[1]s/slapd.args
TLSCACertificateFile %[1]s/ca.pem
TLSCertificateFile %[1]s/server.pem
TLSCertificateKeyFile %[1]s/server.key

database mdb
maxsize 16777216
suffix "dc=okienko,dc=test"
rootdn "cn=root,dc=okienko,dc=test"
rootpw "root secret 1"
directory %[1]s/db
overlay memberof
overlay ppolicy
ppolicy_default "cn=default,ou=policies,dc=okienko,dc=test"
access to attrs=userPassword
	by self write
	by anonymous auth
	by * none
access to *
	by users read
	by * none
`
