package protocol

import (
	"encoding/json"
	"fmt"
)

// Login and negotiation types of ENetUC_Auth.asn1 and ENetUC_Common_Auth.asn1,
// used on a direct connection (not behind UCWeb's createsession).

// AsnNegotiateServerConnectionAnonymousDataArgument carries anonymous login data.
type AsnNegotiateServerConnectionAnonymousDataArgument struct {
	HintData string `json:"u8sHintData"`
	Token    string `json:"u8sToken"`
}

// AsnNegotiateServerConnectionV2Argument is the argument of
// asnNegotiateServerConnectionV2 (1006).
type AsnNegotiateServerConnectionV2Argument struct {
	MinSupportedInterfaceVersion string `json:"u8sMinSupportedInterfaceVersion"`
	MaxSupportedInterfaceVersion string `json:"u8sMaxSupportedInterfaceVersion"`
	// ClientDeviceID is the device id (wire name u8sClientDeviceId).
	ClientDeviceID string `json:"u8sClientDeviceId"`
	ClientVersion  string `json:"u8sClientVersion"`
	// ClientAppID is an AsnClientAppID value.
	ClientAppID      int64  `json:"eClientAppID"`
	ClientDeviceName string `json:"u8sClientDeviceName"`
	// ClientCapabilities holds AsnNegotiateServerConnectionClientCapabilities bits
	// (4 = the client handles the V2 events).
	ClientCapabilities int64                                              `json:"iClientCapabilities"`
	ConnectionGUID     Optional[string]                                   `json:"u8sConnectionGUID,omitzero"` // [0]
	AnonymousLogin     *AsnNegotiateServerConnectionAnonymousDataArgument `json:"eAnonymousLogin,omitzero"`   // [1]
}

// AsnNegotiateServerConnectionAnonymousDataResult carries the anonymous login result.
type AsnNegotiateServerConnectionAnonymousDataResult struct {
	Username string `json:"u8sUsername"`
	Token    string `json:"u8sToken"`
}

// AsnNegotiateServerConnectionV2Result is the "result" alternative of the
// negotiation result.
type AsnNegotiateServerConnectionV2Result struct {
	// ServerType is an AsnNegotiateServerConnectionServerTypeV2 value.
	ServerType             int64  `json:"eServerType"`
	ServerInterfaceVersion string `json:"u8sServerInterfaceVersion"`
	// AuthenticationMethod is an AsnNegotiateServerConnectionAuthenticationMethod value.
	AuthenticationMethod     int64                                            `json:"eAuthenticationMethod"`
	ServerAuthentication     OctetString                                      `json:"sServerAuthentication"`
	ServerTime               SystemTime                                       `json:"stServerTime"`
	ServerVersion            string                                           `json:"u8sServerVersion"`
	ConnectionGUID           string                                           `json:"u8sConnectionGUID"`
	PresenceDomains          List[string]                                     `json:"u8sPresenceDomains"`
	OEM                      Optional[int64]                                  `json:"iOEM,omitzero"`                      // [0]
	ProductVersion           Optional[string]                                 `json:"u8sProductVersion,omitzero"`         // [1]
	PresenceServicesDisabled Optional[bool]                                   `json:"bPresenceServicesDisabled,omitzero"` // [2]
	UserUserRightsDisabled   Optional[bool]                                   `json:"bUserUserRightsDisabled,omitzero"`   // [3]
	AnonymousDetails         *AsnNegotiateServerConnectionAnonymousDataResult `json:"eAnonymousDetails,omitzero"`         // [4]
}

// AsnNegotiateServerConnectionV2ServerBusy is the "busy" alternative.
type AsnNegotiateServerConnectionV2ServerBusy struct {
	ServerBusyTimeout int64 `json:"iServerBusyTimeout"`
}

// AsnNegotiateServerConnectionV2IncompatibleInterfaceVersion is the "incompatible" alternative.
type AsnNegotiateServerConnectionV2IncompatibleInterfaceVersion struct {
	ServerInterfaceVersion string `json:"u8sServerInterfaceVersion"`
}

// AsnNegotiateServerConnectionV2ResultChoice is the result of
// asnNegotiateServerConnectionV2, a CHOICE: set exactly one member.
type AsnNegotiateServerConnectionV2ResultChoice struct {
	Result       *AsnNegotiateServerConnectionV2Result                       `json:"result,omitzero"`       // [0]
	Busy         *AsnNegotiateServerConnectionV2ServerBusy                   `json:"busy,omitzero"`         // [1]
	Incompatible *AsnNegotiateServerConnectionV2IncompatibleInterfaceVersion `json:"incompatible,omitzero"` // [2]
}

// AsnAuthBasicCredential is the authBasic alternative.
type AsnAuthBasicCredential struct {
	// Credential is base64(username ":" password), UTF-8.
	Credential string `json:"credential"`
}

// AsnAuthNTLMCredential is the authNTLM alternative.
type AsnAuthNTLMCredential struct {
	AuthData OctetString `json:"authdata"`
}

// AsnAuthKerberosCredential is the authKerberos alternative.
type AsnAuthKerberosCredential struct {
	AuthData OctetString `json:"authdata"`
}

// AsnAuthBearer is the authBearer alternative.
type AsnAuthBearer struct {
	JWT string `json:"u8sJWT"`
}

// AsnAuthOpenIDC is the authOpenIDC alternative.
type AsnAuthOpenIDC struct {
	Scope   Optional[string] `json:"u8sScope,omitzero"`   // [0]
	IDToken Optional[string] `json:"u8sIDToken,omitzero"` // [1]
}

// AsnLoginV2ChoiceArgument is the authentication CHOICE of asnLoginV2: set
// exactly one member.
type AsnLoginV2ChoiceArgument struct {
	Basic    *AsnAuthBasicCredential    `json:"authBasic,omitzero"`    // [0]
	NTLM     *AsnAuthNTLMCredential     `json:"authNTLM,omitzero"`     // [2]
	Kerberos *AsnAuthKerberosCredential `json:"authKerberos,omitzero"` // [3]
	Bearer   *AsnAuthBearer             `json:"authBearer,omitzero"`   // [4]
	OpenIDC  *AsnAuthOpenIDC            `json:"authOpenIDC,omitzero"`  // [5]
}

// AsnLoginV2Argument is the argument of asnLoginV2 (1005). Without Auth the
// server answers with the supported methods.
type AsnLoginV2Argument struct {
	Auth *AsnLoginV2ChoiceArgument `json:"auth,omitzero"` // [0]
}

// AsnAuthDigestParams are the digest parameters offered by the server.
type AsnAuthDigestParams struct {
	Nonce     string           `json:"nonce"`
	Opaque    string           `json:"opaque"`
	QOP       string           `json:"qop"`
	Algorithm Optional[string] `json:"algorithm,omitzero"` // [0]
	Realm     Optional[string] `json:"realm,omitzero"`     // [1]
}

// AsnLoginV2ResultSupportedAuthMethods is the supportedAuthMethods alternative.
type AsnLoginV2ResultSupportedAuthMethods struct {
	// AuthMethodsOrdered holds AsnLoginV2SupportedAuthMethod values.
	AuthMethodsOrdered List[int64]          `json:"authMethodsOrdered"`
	AuthDigest         *AsnAuthDigestParams `json:"authDigest,omitzero"` // [0]
}

// AsnLoginV2Token is a token CHOICE: set exactly one member.
type AsnLoginV2Token struct {
	JWT   Optional[string] `json:"u8sJwt,omitzero"`   // [0]
	Token Optional[string] `json:"u8sToken,omitzero"` // [1]
}

// AsnLoginV2ResultSuccess is the succceeded alternative (sic, three c's on the wire).
type AsnLoginV2ResultSuccess struct {
	LoggedInUser Optional[string] `json:"u8sLoggedInUser,omitzero"` // [0]
	Token        *AsnLoginV2Token `json:"token,omitzero"`           // [1]
}

// AsnLoginV2ResultServerRedirect is the serverRedirect alternative.
type AsnLoginV2ResultServerRedirect struct {
	RedirectTo string `json:"u8sRedirectTo"`
}

// AsnLoginV2ResultServerBusy is the serverBusy alternative.
type AsnLoginV2ResultServerBusy struct {
	RetryInSeconds int64 `json:"iRetryInSeconds"`
}

// AsnLoginV2ResultRenegotiateNTLM is the ntlmRenegotiate alternative.
type AsnLoginV2ResultRenegotiateNTLM struct {
	AuthData OctetString `json:"authdata"`
}

// AsnLoginV2Result is the result of asnLoginV2, a CHOICE: set exactly one member.
type AsnLoginV2Result struct {
	SupportedAuthMethods *AsnLoginV2ResultSupportedAuthMethods `json:"supportedAuthMethods,omitzero"` // [0]
	// Succeeded is the success alternative; its wire name is "succceeded" (sic).
	Succeeded       *AsnLoginV2ResultSuccess         `json:"succceeded,omitzero"`      // [1]
	ServerRedirect  *AsnLoginV2ResultServerRedirect  `json:"serverRedirect,omitzero"`  // [2]
	ServerBusy      *AsnLoginV2ResultServerBusy      `json:"serverBusy,omitzero"`      // [3]
	NTLMRenegotiate *AsnLoginV2ResultRenegotiateNTLM `json:"ntlmRenegotiate,omitzero"` // [4]
}

// AsnLogoffArgument is the (empty) argument of the asnLogoff event (1001).
type AsnLogoffArgument struct{}

// AsnGetLoggedInContactArgument is the (empty) argument of asnGetLoggedInContactV2 (1008).
type AsnGetLoggedInContactArgument struct{}

// AsnGetLoggedInContactV2Result is the result of asnGetLoggedInContactV2.
type AsnGetLoggedInContactV2Result struct {
	LoggedInUser string       `json:"u8sLoggedInUser"`
	OwnContact   AsnContactV2 `json:"ownContact"`
}

// choiceValue is implemented by the CHOICE types: they decode only with exactly
// one alternative, and the required-member check descends into that alternative.
type choiceValue interface {
	alternativeCount() int
}

func (c AsnNegotiateServerConnectionV2ResultChoice) alternativeCount() int {
	return countTrue(c.Result != nil, c.Busy != nil, c.Incompatible != nil)
}

func (c AsnLoginV2ChoiceArgument) alternativeCount() int {
	return countTrue(c.Basic != nil, c.NTLM != nil, c.Kerberos != nil, c.Bearer != nil, c.OpenIDC != nil)
}

func (c AsnLoginV2Token) alternativeCount() int {
	return countTrue(c.JWT.Present, c.Token.Present)
}

func (c AsnLoginV2Result) alternativeCount() int {
	return countTrue(c.SupportedAuthMethods != nil, c.Succeeded != nil, c.ServerRedirect != nil,
		c.ServerBusy != nil, c.NTLMRenegotiate != nil)
}

// UnmarshalJSON decodes the CHOICE and requires exactly one alternative.
func (c *AsnNegotiateServerConnectionV2ResultChoice) UnmarshalJSON(data []byte) error {
	type plain AsnNegotiateServerConnectionV2ResultChoice
	*c = AsnNegotiateServerConnectionV2ResultChoice{}
	return unmarshalChoice(data, (*plain)(c), "AsnNegotiateServerConnectionV2ResultChoice", func() int { return c.alternativeCount() })
}

// UnmarshalJSON decodes the CHOICE and requires exactly one alternative.
func (c *AsnLoginV2ChoiceArgument) UnmarshalJSON(data []byte) error {
	type plain AsnLoginV2ChoiceArgument
	*c = AsnLoginV2ChoiceArgument{}
	return unmarshalChoice(data, (*plain)(c), "AsnLoginV2ChoiceArgument", func() int { return c.alternativeCount() })
}

// UnmarshalJSON decodes the CHOICE and requires exactly one alternative.
func (c *AsnLoginV2Token) UnmarshalJSON(data []byte) error {
	type plain AsnLoginV2Token
	*c = AsnLoginV2Token{}
	return unmarshalChoice(data, (*plain)(c), "AsnLoginV2Token", func() int { return c.alternativeCount() })
}

// UnmarshalJSON decodes the CHOICE and requires exactly one alternative.
func (c *AsnLoginV2Result) UnmarshalJSON(data []byte) error {
	type plain AsnLoginV2Result
	*c = AsnLoginV2Result{}
	return unmarshalChoice(data, (*plain)(c), "AsnLoginV2Result", func() int { return c.alternativeCount() })
}

// unmarshalChoice decodes into target (the CHOICE without its UnmarshalJSON) and
// checks that exactly one alternative came in.
func unmarshalChoice(data []byte, target any, typeName string, count func() int) error {
	if err := json.Unmarshal(data, target); err != nil {
		return err
	}
	if got := count(); got != 1 {
		return fmt.Errorf("CHOICE %s: want exactly one alternative, got %d", typeName, got)
	}
	return nil
}

// countTrue counts the true values.
func countTrue(values ...bool) int {
	count := 0
	for _, value := range values {
		if value {
			count++
		}
	}
	return count
}
