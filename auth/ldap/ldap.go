// Package ldap checks staff passwords against the office's directory,
// OpenLDAP or Active Directory: it is the auth.Directory the auth store asks
// (auth.Store.UseDirectory) for the passwords of its directory users.
//
// Each sign-in opens its own connection (plain, ldaps:// or StartTLS, the
// server's certificate always verified), binds as the service account,
// searches for exactly one person, binds as that person with the password,
// and reads the person's groups into a role: the administrators' group gives
// admin, the clerks' group clerk. The connection is closed at the end; none
// is kept between sign-ins.
package ldap

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	ldapv3 "github.com/go-ldap/ldap/v3"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/auth"
)

// Source is the source of users who sign in through the directory.
const Source = "ldap"

// DefaultUserFilter finds a person by the OpenLDAP user id or the Active
// Directory account name.
const DefaultUserFilter = "(|(uid={username})(sAMAccountName={username}))"

// DefaultTimeout bounds one sign-in's talk with the directory.
const DefaultTimeout = 5 * time.Second

// Bounds of what is sent to the directory.
const (
	maxUsername = 256
	maxPassword = 1024
	maxGroups   = 5000 // memberOf values looked at
)

// Config says where the directory is and how its people and groups are
// found. The zero Timeout is DefaultTimeout, the empty UserFilter
// DefaultUserFilter.
type Config struct {
	URL          string // ldap://host:389 or ldaps://host:636
	StartTLS     bool   // upgrade ldap:// with StartTLS
	CAFile       string // PEM CA certificates for the server's certificate; empty: the system's
	BindDN       string // the service account; empty: search anonymously
	BindPassword string
	BaseDN       string // where people are searched for (the whole subtree)
	UserFilter   string // with {username} where the escaped name goes
	AdminGroup   string // DN of the group whose members are administrators
	ClerkGroup   string // DN of the group whose members are clerks
	Timeout      time.Duration
}

// Directory is an LDAP or Active Directory server as an auth.Directory.
type Directory struct {
	cfg   Config
	tls   *tls.Config
	admin *ldapv3.DN
	clerk *ldapv3.DN
}

// New checks c and returns its directory; nothing connects yet. Errors
// name the variable-like field that is wrong (a URL that is not ldap:// or
// ldaps://, StartTLS on ldaps://, an unreadable CA file, a filter without
// {username}, a group that is not a DN).
func New(c Config) (*Directory, error) {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "ldap" && u.Scheme != "ldaps") || u.Host == "" {
		return nil, fmt.Errorf("LDAP URL must be ldap://host[:port] or ldaps://host[:port], not %q", c.URL)
	}
	if c.StartTLS && u.Scheme == "ldaps" {
		return nil, errors.New("LDAP StartTLS is for ldap:// URLs; ldaps:// is TLS already")
	}
	if c.UserFilter == "" {
		c.UserFilter = DefaultUserFilter
	}
	if !strings.Contains(c.UserFilter, "{username}") {
		return nil, fmt.Errorf("LDAP user filter must contain {username}, not %q", c.UserFilter)
	}
	if _, err := ldapv3.CompileFilter(strings.ReplaceAll(c.UserFilter, "{username}", "x")); err != nil {
		return nil, fmt.Errorf("LDAP user filter %q: %w", c.UserFilter, err)
	}
	if _, err := ldapv3.ParseDN(c.BaseDN); err != nil || strings.TrimSpace(c.BaseDN) == "" {
		return nil, fmt.Errorf("LDAP base DN must be a DN such as dc=example,dc=org, not %q", c.BaseDN)
	}
	if c.BindDN != "" {
		if _, err := ldapv3.ParseDN(c.BindDN); err != nil {
			return nil, fmt.Errorf("LDAP bind DN %q: %w", c.BindDN, err)
		}
		if c.BindPassword == "" {
			return nil, errors.New("LDAP bind DN is set without its password")
		}
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Timeout < 100*time.Millisecond || c.Timeout > 2*time.Minute {
		return nil, fmt.Errorf("LDAP timeout must be from 100ms to 2m, not %s", c.Timeout)
	}
	d := &Directory{cfg: c}
	for _, g := range []struct {
		name string
		dn   string
		to   **ldapv3.DN
	}{{"admin", c.AdminGroup, &d.admin}, {"clerk", c.ClerkGroup, &d.clerk}} {
		if g.dn == "" {
			continue
		}
		dn, err := ldapv3.ParseDN(g.dn)
		if err != nil || len(dn.RDNs) == 0 {
			return nil, fmt.Errorf("LDAP %s group must be a group's DN, not %q", g.name, g.dn)
		}
		*g.to = dn
	}
	if d.admin == nil && d.clerk == nil {
		return nil, errors.New("LDAP needs the admin group or the clerk group (or both): no one could sign in")
	}
	host := u.Hostname()
	d.tls = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("LDAP CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("LDAP CA file %s holds no PEM certificate", c.CAFile)
		}
		d.tls.RootCAs = pool
	}
	return d, nil
}

// Source is "ldap".
func (d *Directory) Source() string { return Source }

// dial connects to the directory within ctx, with TLS as configured.
func (d *Directory) dial(ctx context.Context) (*ldapv3.Conn, error) {
	nd := &net.Dialer{Timeout: d.cfg.Timeout}
	if dl, ok := ctx.Deadline(); ok {
		nd.Deadline = dl
	}
	conn, err := ldapv3.DialURL(d.cfg.URL, ldapv3.DialWithDialer(nd), ldapv3.DialWithTLSConfig(d.tls.Clone()))
	if err != nil {
		return nil, err
	}
	if d.cfg.StartTLS {
		// Closed by the caller's watch of ctx if the server doesn't answer.
		stop := context.AfterFunc(ctx, func() { conn.Close() })
		err := conn.StartTLS(d.tls.Clone())
		stop()
		if err != nil {
			conn.Close()
			return nil, err
		}
	}
	return conn, nil
}

// person is what the search found of the person signing in.
type person struct {
	dn          string
	subject     string
	username    string
	displayName string
	memberOf    []string
	disabled    bool
}

// Authenticate checks username and password against the directory and
// returns the person with the role the groups give ("" for none).
// Errors: ENOTFOUND when the search finds nobody; EUNAUTHORIZED for an
// empty or wrong password, an account disabled or locked in the directory,
// or a name that finds more than one person; EUNAVAILABLE when the
// directory can't be reached, its certificate isn't trusted, or it refuses
// the service account or the search. It takes at most the configured
// timeout, less when ctx ends sooner.
func (d *Directory) Authenticate(ctx context.Context, username, password string) (*auth.Identity, error) {
	if username == "" || len(username) > maxUsername {
		return nil, okienko.Errorf(okienko.ENOTFOUND, "no such user in the directory")
	}
	// An empty password would be an unauthenticated bind, which servers
	// answer with success: never sent.
	if password == "" || len(password) > maxPassword {
		return nil, okienko.Errorf(okienko.EUNAUTHORIZED, "wrong password")
	}
	ctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	conn, err := d.dial(ctx)
	if err != nil {
		return nil, unavailable("connect", err)
	}
	defer conn.Close()
	// Whatever is waiting when the time is up ends with the connection.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	conn.SetTimeout(d.cfg.Timeout)

	if err := d.bindService(conn); err != nil {
		return nil, unavailable("bind as the service account", err)
	}
	p, err := d.find(conn, username)
	if err != nil {
		return nil, err
	}
	if p.disabled {
		return nil, okienko.Errorf(okienko.EUNAUTHORIZED, "the account is disabled in the directory")
	}
	role, err := d.role(conn, p)
	if err != nil {
		return nil, unavailable("read the groups", err)
	}
	// The password last, so that the groups were read as the service.
	if err := conn.Bind(p.dn, password); err != nil {
		if clientSide(err) {
			return nil, unavailable("bind as the user", err)
		}
		// Invalid credentials, and what servers answer for locked,
		// expired or disabled accounts: refused alike.
		return nil, &okienko.Error{Code: okienko.EUNAUTHORIZED, Message: "wrong password", Err: err}
	}
	if name := p.username; name != "" {
		username = name
	}
	return &auth.Identity{Source: Source, Subject: p.subject, Username: username, DisplayName: p.displayName, Role: role}, nil
}

// bindService binds as the service account, or anonymously without one.
func (d *Directory) bindService(conn *ldapv3.Conn) error {
	if d.cfg.BindDN == "" {
		return nil
	}
	return conn.Bind(d.cfg.BindDN, d.cfg.BindPassword)
}

// Attributes read of a person. Operational ones (entryUUID, ppolicy's
// lock) are sent only when asked for.
var personAttributes = []string{"uid", "sAMAccountName", "displayName", "cn", "memberOf",
	"userAccountControl", "entryUUID", "objectGUID", "pwdAccountLockedTime"}

// adAccountDisabled is Active Directory's ACCOUNTDISABLE bit of
// userAccountControl.
const adAccountDisabled = 0x2

// permanentLock is the pwdAccountLockedTime OpenLDAP's password policy
// gives an account an administrator locked until unlocked.
const permanentLock = "000001010000Z"

// find searches the base DN for the one person username names. Errors:
// ENOTFOUND for nobody, EUNAUTHORIZED for more than one, EUNAVAILABLE when
// the search fails.
func (d *Directory) find(conn *ldapv3.Conn, username string) (*person, error) {
	filter := strings.ReplaceAll(d.cfg.UserFilter, "{username}", ldapv3.EscapeFilter(username))
	secs := int(d.cfg.Timeout / time.Second)
	req := ldapv3.NewSearchRequest(d.cfg.BaseDN, ldapv3.ScopeWholeSubtree, ldapv3.NeverDerefAliases,
		2, max(secs, 1), false, filter, personAttributes, nil)
	res, err := conn.Search(req)
	switch {
	case ldapv3.IsErrorWithCode(err, ldapv3.LDAPResultSizeLimitExceeded):
		return nil, okienko.Errorf(okienko.EUNAUTHORIZED, "the name finds more than one person in the directory")
	case err != nil:
		return nil, unavailable("search for the user", err)
	}
	switch n := len(res.Entries); {
	case n == 0:
		return nil, okienko.Errorf(okienko.ENOTFOUND, "no such user in the directory")
	case n > 1:
		return nil, okienko.Errorf(okienko.EUNAUTHORIZED, "the name finds more than one person in the directory")
	}
	e := res.Entries[0]
	p := &person{dn: e.DN, subject: e.DN}
	if v := e.GetEqualFoldAttributeValue("entryUUID"); v != "" {
		p.subject = v
	} else if raw := e.GetEqualFoldRawAttributeValue("objectGUID"); len(raw) == 16 {
		p.subject = guidString(raw)
	}
	for _, a := range []string{"uid", "sAMAccountName"} {
		if v := e.GetEqualFoldAttributeValue(a); v != "" && strings.EqualFold(v, username) {
			p.username = v
			break
		}
	}
	if p.username == "" {
		p.username = e.GetEqualFoldAttributeValue("uid")
	}
	if p.username == "" {
		p.username = e.GetEqualFoldAttributeValue("sAMAccountName")
	}
	p.displayName = e.GetEqualFoldAttributeValue("displayName")
	if p.displayName == "" {
		p.displayName = e.GetEqualFoldAttributeValue("cn")
	}
	p.memberOf = e.GetEqualFoldAttributeValues("memberOf")
	if uac := e.GetEqualFoldAttributeValue("userAccountControl"); uac != "" {
		n, err := strconv.ParseInt(uac, 10, 64)
		p.disabled = err != nil || n&adAccountDisabled != 0
	}
	if e.GetEqualFoldAttributeValue("pwdAccountLockedTime") == permanentLock {
		p.disabled = true
	}
	return p, nil
}

// role is the role p's groups give: admin when p is in the administrators'
// group (whatever else), clerk when in the clerks' group, "" otherwise.
// Membership counts from p's memberOf or from the group's member or
// uniqueMember naming p.
func (d *Directory) role(conn *ldapv3.Conn, p *person) (string, error) {
	for _, g := range []struct {
		dn   *ldapv3.DN
		role string
	}{{d.admin, okienko.RoleAdmin}, {d.clerk, okienko.RoleClerk}} {
		if g.dn == nil {
			continue
		}
		in, err := d.member(conn, p, g.dn)
		if err != nil {
			return "", err
		}
		if in {
			return g.role, nil
		}
	}
	return "", nil
}

// member reports whether p is in group: listed in p's memberOf (Active
// Directory, OpenLDAP's memberof overlay), or named by the group's member
// or uniqueMember (groupOfNames, groupOfUniqueNames).
func (d *Directory) member(conn *ldapv3.Conn, p *person, group *ldapv3.DN) (bool, error) {
	for i, m := range p.memberOf {
		if i == maxGroups {
			break
		}
		if dn, err := ldapv3.ParseDN(m); err == nil && dn.EqualFold(group) {
			return true, nil
		}
	}
	user := ldapv3.EscapeFilter(p.dn)
	req := ldapv3.NewSearchRequest(group.String(), ldapv3.ScopeBaseObject, ldapv3.NeverDerefAliases,
		1, max(int(d.cfg.Timeout/time.Second), 1), false,
		"(|(member="+user+")(uniqueMember="+user+"))", []string{"1.1"}, nil)
	res, err := conn.Search(req)
	switch {
	case ldapv3.IsErrorWithCode(err, ldapv3.LDAPResultNoSuchObject):
		return false, nil // no such group: no one is in it
	case err != nil:
		return false, err
	}
	return len(res.Entries) > 0, nil
}

// guidString is Active Directory's text form of an objectGUID.
func guidString(b []byte) string {
	return fmt.Sprintf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15])
}

// clientSide reports whether err is the client's or the network's, not a
// result the server sent.
func clientSide(err error) bool {
	var le *ldapv3.Error
	if !errors.As(err, &le) {
		return true
	}
	return le.ResultCode >= ldapv3.ErrorNetwork && le.ResultCode < 300
}

// unavailable is the EUNAVAILABLE of a step that failed; the cause is
// logged, never shown.
func unavailable(step string, err error) error {
	return &okienko.Error{Code: okienko.EUNAVAILABLE, Message: "the office's directory can't be reached right now; please try again in a moment",
		Err: fmt.Errorf("ldap: %s: %w", step, err)}
}
