package protocol

import (
	"errors"
	"fmt"
)

// ProblemKind is the alternative of the ROSE RejectProblem CHOICE.
type ProblemKind uint8

// The RejectProblem alternatives, in CHOICE tag order.
const (
	// GeneralProblem is the generalProblem alternative.
	GeneralProblem ProblemKind = iota
	// InvokeProblem is the invokeProblem alternative.
	InvokeProblem
	// ReturnResultProblem is the returnResultProblem alternative.
	ReturnResultProblem
	// ReturnErrorProblem is the returnErrorProblem alternative.
	ReturnErrorProblem
)

// problemNames are the JSON member names of the RejectProblem alternatives.
var problemNames = [...]string{"generalProblem", "invokeProblem", "returnResultProblem", "returnErrorProblem"}

// String returns the JSON member name of the alternative.
func (k ProblemKind) String() string {
	if int(k) < len(problemNames) {
		return problemNames[k]
	}
	return fmt.Sprintf("ProblemKind(%d)", k)
}

// InvokeProblem codes (ROSE plus the estos additions 8-10).
const (
	ProblemDuplicateInvocation      = 0
	ProblemUnrecognisedOperation    = 1
	ProblemMistypedArgument         = 2
	ProblemResourceLimitation       = 3
	ProblemInitiatorReleasing       = 4
	ProblemUnrecognisedLinkedID     = 5
	ProblemLinkedResponseUnexpected = 6
	ProblemUnexpectedChildOperation = 7
	ProblemInvalidSessionID         = 8
	ProblemAuthenticationIncomplete = 9
	ProblemAuthenticationFailed     = 10
)

// GeneralProblem codes.
const (
	ProblemUnrecognisedAPDU    = 0
	ProblemMistypedAPDU        = 1
	ProblemBadlyStructuredAPDU = 2
)

// ReturnResultProblem codes.
const (
	ProblemResultUnrecognisedInvocation = 0
	ProblemResultResponseUnexpected     = 1
	ProblemMistypedResult               = 2
)

// ReturnErrorProblem codes.
const (
	ProblemErrorUnrecognisedInvocation = 0
	ProblemErrorResponseUnexpected     = 1
	ProblemUnrecognisedError           = 2
	ProblemUnexpectedError             = 3
	ProblemMistypedParameter           = 4
)

// The "details" strings the UCServer sends with a reject (JSON only).
const (
	DetailsUnrecognisedOperation    = "unrecognisedOperation"
	DetailsMistypedArgument         = "mistypedArgument"
	DetailsArgumentMissing          = "argumentMissing"
	DetailsFunctionMissing          = "functionMissing"
	DetailsResponseIsTooBig         = "responseIsTooBig"
	DetailsInvalidSessionID         = "invalidSessionID"
	DetailsAuthenticationIncomplete = "authenticationIncomplete"
	DetailsAuthenticationFailed     = "authenticationFailed"
	DetailsTemporaryLockedOut       = "temporaryLockedOut"
	DetailsLockedOut                = "lockedOut"
	DetailsServerBusy               = "serverBusy"
)

// RejectProblem is the ROSE RejectProblem CHOICE: one alternative and its code.
type RejectProblem struct {
	Kind ProblemKind
	Code int64
}

// RejectError is returned by DecodeMessage for an invoke that must be answered
// with a reject: an unknown operation, or an envelope member of the wrong type.
// Reject is ready for AppendReject; ArrayWrapped is the form the client used.
// The server must not answer an event (see ShouldSend).
type RejectError struct {
	// Reject is the reject to send.
	Reject Reject
	// ArrayWrapped reports whether the invoke came in the [ {...} ] form.
	ArrayWrapped bool
	// Err is the cause (ErrUnknownOperation, ErrMistypedEnvelope, ...).
	Err error
}

// Error returns the cause's text.
func (e *RejectError) Error() string {
	return e.Err.Error()
}

// Unwrap returns the cause.
func (e *RejectError) Unwrap() error {
	return e.Err
}

// ShouldSend reports whether the reject may be sent: never for an event
// (invoke id 99999), as the UCServer does.
func (e *RejectError) ShouldSend() bool {
	return e.Reject.InvokedNull || e.Reject.InvokedID != EventInvokeID
}

// RejectFor builds the reject that answers invokeID after err, mapping the
// package's sentinels to the problem codes and details strings of the UCServer:
//
//	ErrUnknownOperation          invokeProblem 1  unrecognisedOperation
//	ErrMistypedArgument          invokeProblem 2  the error text
//	ErrMistypedEnvelope          invokeProblem 2  the error text
//	ErrArgumentMissing           invokeProblem 2  argumentMissing
//	ErrFunctionMissing           invokeProblem 3  functionMissing
//	ErrResponseTooBig            invokeProblem 3  responseIsTooBig
//	ErrInvalidSessionID          invokeProblem 8  invalidSessionID
//	ErrAuthenticationIncomplete  invokeProblem 9  authenticationIncomplete
//	ErrAuthenticationFailed      invokeProblem 10 authenticationFailed
//	ErrServerBusy                invokeProblem 10 serverBusy
//	anything else                invokeProblem 1  "otherError: " + text
//
// An invokeID of 0 is sent as {"invokednull":null}.
func RejectFor(invokeID int64, err error) Reject {
	code, details := int64(ProblemUnrecognisedOperation), "otherError: "+err.Error()
	switch {
	case errors.Is(err, ErrUnknownOperation):
		code, details = ProblemUnrecognisedOperation, DetailsUnrecognisedOperation
	case errors.Is(err, ErrArgumentMissing):
		code, details = ProblemMistypedArgument, DetailsArgumentMissing
	case errors.Is(err, ErrMistypedArgument), errors.Is(err, ErrMistypedEnvelope):
		code, details = ProblemMistypedArgument, err.Error()
	case errors.Is(err, ErrFunctionMissing):
		code, details = ProblemResourceLimitation, DetailsFunctionMissing
	case errors.Is(err, ErrResponseTooBig):
		code, details = ProblemResourceLimitation, DetailsResponseIsTooBig
	case errors.Is(err, ErrInvalidSessionID):
		code, details = ProblemInvalidSessionID, DetailsInvalidSessionID
	case errors.Is(err, ErrAuthenticationIncomplete):
		code, details = ProblemAuthenticationIncomplete, DetailsAuthenticationIncomplete
	case errors.Is(err, ErrAuthenticationFailed):
		code, details = ProblemAuthenticationFailed, DetailsAuthenticationFailed
	case errors.Is(err, ErrServerBusy):
		code, details = ProblemAuthenticationFailed, DetailsServerBusy
	}
	return Reject{
		InvokedID:   invokeID,
		InvokedNull: invokeID == 0,
		Problem:     &RejectProblem{Kind: InvokeProblem, Code: code},
		Details:     Some(details),
	}
}

// newRejectError wraps err for the invoke invokeID.
func newRejectError(invokeID int64, arrayWrapped bool, err error) *RejectError {
	return &RejectError{Reject: RejectFor(invokeID, err), ArrayWrapped: arrayWrapped, Err: err}
}
