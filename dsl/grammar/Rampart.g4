// The rampart policy language (docs/language.md).
// Parse tree -> AST (ast_builder.cpp) -> binder (binder.cpp) -> core::Policy.
// Generated code is never edited by hand and is reached only from ast_builder.cpp.
grammar Rampart;

file          : statement* EOF ;
questionEntry : question EOF ;
packetEntry   : packetSpec EOF ;

statement
  : importStmt
  | includeStmt
  | zoneDecl
  | portsDecl
  | firewallDecl
  | hostDecl
  | serviceDecl
  | userDecl
  | groupDecl
  | fileDecl
  | mountDecl
  | assertStmt
  | queryStmt
  ;

// ---- sources -------------------------------------------------------------
importStmt  : IMPORT format=dottedName path=STRING (AS name=ident)? SEMI ;
includeStmt : INCLUDE path=STRING SEMI ;
dottedName  : ident (DOT dottedPart)* ;
// After a dot, words that are keywords elsewhere may name a format (`linux.group`).
dottedPart  : ident | USER | GROUP | GROUPS | SERVICE | MOUNT | SOCKET | DIRECTORY ;

// ---- addresses and services ----------------------------------------------
zoneDecl  : ZONE name=ident zoneAttr* ASSIGN addrExpr SEMI ;
zoneAttr  : UNTRUSTED | TRUSTED | CLIENT_PORTS portList ;
portsDecl : PORTS name=ident ASSIGN serviceList SEMI ;

addrExpr  : addrTerm (COMMA addrTerm)* ;
addrTerm  : addrAtom (EXCEPT addrAtom)* ;
addrAtom
  : ANY | ANY4 | ANY6
  | IPV4 (DASH IPV4)?
  | IPV6 (DASH IPV6)?
  | objectRef
  | LPAREN addrExpr RPAREN
  ;
// A name (zone, host) or a native object of an import: aws["sg-1"].
objectRef : ident (LBRACK STRING RBRACK)? ;

serviceList : serviceAtom (COMMA serviceAtom)* ;
serviceAtom
  : protoName (SLASH portOrType)?
  | PROTO SLASH INT
  | ANY
  | ident                                  // a `ports` name
  ;
protoName  : TCP | UDP | ICMP | ICMPV6 | SCTP | ESP | AH | GRE ;
portOrType : portList | INT COLON INT ;   // ports, or ICMP type:code
portList   : portRange (COMMA portRange)* ;
portRange  : INT (DASH INT)? ;

// ---- firewalls -----------------------------------------------------------
firewallDecl : FIREWALL name=ident firewallOption* LBRACE ruleStmt* RBRACE ;
firewallOption
  : FIRST_MATCH | ALLOW_UNION | BLOCK_OVERRIDES_ALLOW | PRIORITY_ORDER
  | DEFAULT ruleAction
  | STATELESS | STATEFUL
  | SCOPE (HOST | NETWORK)
  ;
ruleStmt   : (label=ident COLON)? (PRIORITY INT)? ruleAction ruleBody SEMI ;
ruleAction : ALLOW | DENY | DROP | REJECT | BYPASS ;
ruleBody   : serviceList? (FROM src=endpointSpec)? (TO dst=endpointSpec)? (PORT dstPorts=portList)? ruleOption* ;
endpointSpec : addrExpr (PORT portList)? ;
ruleOption
  : STATE stateName (COMMA stateName)*
  | IN ifaceName=STRING
  | OUT ifaceName=STRING
  | IF UNKNOWN reason=STRING
  ;
stateName : NEW | ESTABLISHED | RELATED | INVALID | UNTRACKED ;

// ---- hosts ---------------------------------------------------------------
// `host NAME is aws["i-..."] { ... }` binds the host to an imported one
// (its addresses and layers come from the import; docs/language.md#hosts).
hostDecl : HOST name=ident (IS bound=objectRef)? LBRACE hostItem* RBRACE ;
hostItem
  : INTERFACE ifName=ident (ADDRESS ifAddr (COMMA ifAddr)*)? (KIND kind=ident)? SEMI   # interfaceItem
  | ADDRESS ifAddr (COMMA ifAddr)* SEMI                                               # addressItem
  | INBOUND layerList SEMI                                                            # inboundItem
  | OUTBOUND layerList SEMI                                                           # outboundItem
  | LISTEN serviceAtom (ON bindAddr)? (BY owner=ident)? SEMI                          # listenItem
  | LET symbol=ident ASSIGN addrExpr SEMI                                             # letItem
  | LET PORTS symbol=ident ASSIGN portList SEMI                                       # letPortsItem
  | SET key=dottedName ASSIGN value=settingValue SEMI                                 # setItem
  | importStmt                                                                        # hostImportItem
  | serviceDecl                                                                       # hostServiceItem
  | userDecl                                                                          # hostUserItem
  | groupDecl                                                                         # hostGroupItem
  | fileDecl                                                                          # hostFileItem
  | mountDecl                                                                         # hostMountItem
  ;
ifAddr       : IPV4 | IPV6 ;
bindAddr     : IPV4 | IPV6 | ANY | STAR ;
layerList    : layer (COMMA layer)* ;
layer        : objectRef (PIPE objectRef)* ;
settingValue : STRING | ident | INT ;

// ---- file access (meaning: docs/semantics/linux-dac.md) --------------------
userDecl  : USER name=ident userOption* (ON host=ident)? SEMI ;
userOption
  : UID INT
  | GROUP primary=ident
  | GROUPS ident (COMMA ident)*
  ;
groupDecl : GROUP name=ident (GID INT)? (MEMBERS ident (COMMA ident)*)? (ON host=ident)? SEMI ;
fileDecl  : fileKind path=STRING fileOption* (ON host=ident)? SEMI ;
fileKind  : FILE | DIRECTORY | SOCKET ;
fileOption
  : OWNER ownerSpec
  | MODE INT
  | ACL STRING (COMMA STRING)*
  | DEFAULT_ACL STRING (COMMA STRING)*
  | IMMUTABLE
  | APPEND_ONLY
  | LABEL STRING
  ;
ownerSpec : user=ident (COLON group=ident)? ;
mountDecl : MOUNT path=STRING (READ_ONLY | READ_WRITE) (ON host=ident)? SEMI ;

serviceDecl : SERVICE name=ident (ON host=ident)? RUNS AS ownerSpec serviceOption* (LBRACE accessDecl* RBRACE | SEMI) ;
serviceOption
  : GROUPS ident (COMMA ident)*
  | UMASK INT
  | CAPABILITIES (ident (COMMA ident)* | NONE)
  | DOMAIN ident
  | PROGRAM STRING
  ;
accessDecl : accessVerb STRING (COMMA STRING)* SEMI ;
accessVerb : READS | WRITES | APPENDS | EXECUTES | CREATES | DELETES | LISTS | SEARCHES | CONNECTS ;
operation  : READ | WRITE | APPEND | EXECUTE | CREATE | DELETE | LIST | SEARCH | CONNECT ;

// ---- questions -----------------------------------------------------------
assertStmt : ASSERT question SEMI ;
queryStmt  : QUERY question SEMI ;
question
  : REACH source ARROW target serviceList thatCan?                          # reachQuestion
  | NOT REACH source ARROW target serviceList thatCan?                      # notReachQuestion
  | ONLY source REACH target serviceList thatCan?                           # onlyReachQuestion
  | ALL source REACH target serviceList thatCan?                            # allReachQuestion
  | CAN subject operation path=STRING (ON host=ident)?                      # canQuestion
  | NOT CAN subject operation path=STRING (ON host=ident)?                  # notCanQuestion
  | ONLY LBRACE subject (COMMA subject)* RBRACE CAN operation path=STRING (ON host=ident)?  # onlyCanQuestion
  | WHO CAN operation path=STRING (ON host=ident)?                          # whoCanQuestion
  | NO CONFLICTS (ON host=ident)?                                           # noConflictsQuestion
  ;
// Only listeners whose service can perform OP on PATH count.
thatCan : THAT CAN operation path=STRING ;
source  : addrExpr (PORT portList)? ;
target  : addrExpr ;
subject : (USER | SERVICE | DOMAIN)? ident ;

// A concrete packet, for `rampart explain`: `tcp 192.168.1.50:40000 -> web1:22`.
packetSpec : protoName packetEnd ARROW packetEnd (TYPE INT (CODE INT)?)? ;
packetEnd  : (IPV4 | ident) (COLON INT)? | LBRACK IPV6 RBRACK (COLON INT)? | IPV6 ;

// A name; a few soft keywords stay usable as names.
ident : IDENT | HOST | NETWORK | FILE | LABEL | DOMAIN | PROGRAM | KIND | MODE | STATE | TYPE | CODE | IS ;

// ---- lexer ---------------------------------------------------------------
IMPORT : 'import' ; INCLUDE : 'include' ; AS : 'as' ;
ZONE : 'zone' ; UNTRUSTED : 'untrusted' ; TRUSTED : 'trusted' ; CLIENT_PORTS : 'client-ports' ;
PORTS : 'ports' ; PORT : 'port' ; PROTO : 'proto' ;
ANY : 'any' ; ANY4 : 'any4' ; ANY6 : 'any6' ; EXCEPT : 'except' ;
TCP : 'tcp' ; UDP : 'udp' ; ICMP : 'icmp' ; ICMPV6 : 'icmpv6' ; SCTP : 'sctp' ; ESP : 'esp' ; AH : 'ah' ; GRE : 'gre' ;
FIREWALL : 'firewall' ; FIRST_MATCH : 'first-match' ; ALLOW_UNION : 'allow-union' ;
BLOCK_OVERRIDES_ALLOW : 'block-overrides-allow' ; PRIORITY_ORDER : 'priority-order' ;
DEFAULT : 'default' ; STATELESS : 'stateless' ; STATEFUL : 'stateful' ; SCOPE : 'scope' ; NETWORK : 'network' ;
PRIORITY : 'priority' ;
ALLOW : 'allow' ; DENY : 'deny' ; DROP : 'drop' ; REJECT : 'reject' ; BYPASS : 'bypass' ;
FROM : 'from' ; TO : 'to' ; STATE : 'state' ; IN : 'in' ; OUT : 'out' ; IF : 'if' ; UNKNOWN : 'unknown' ;
NEW : 'new' ; ESTABLISHED : 'established' ; RELATED : 'related' ; INVALID : 'invalid' ; UNTRACKED : 'untracked' ;
HOST : 'host' ; INTERFACE : 'interface' ; ADDRESS : 'address' ; KIND : 'kind' ;
INBOUND : 'inbound' ; OUTBOUND : 'outbound' ; LISTEN : 'listen' ; ON : 'on' ; BY : 'by' ; LET : 'let' ; SET : 'set' ;
IS : 'is' ;
USER : 'user' ; UID : 'uid' ; GROUP : 'group' ; GROUPS : 'groups' ; GID : 'gid' ; MEMBERS : 'members' ;
FILE : 'file' ; DIRECTORY : 'directory' ; SOCKET : 'socket' ; OWNER : 'owner' ; MODE : 'mode' ;
ACL : 'acl' ; DEFAULT_ACL : 'default-acl' ; IMMUTABLE : 'immutable' ; APPEND_ONLY : 'append-only' ; LABEL : 'label' ;
MOUNT : 'mount' ; READ_ONLY : 'read-only' ; READ_WRITE : 'read-write' ;
SERVICE : 'service' ; RUNS : 'runs' ; UMASK : 'umask' ; CAPABILITIES : 'capabilities' ; NONE : 'none' ;
DOMAIN : 'domain' ; PROGRAM : 'program' ;
READS : 'reads' ; WRITES : 'writes' ; APPENDS : 'appends' ; EXECUTES : 'executes' ; CREATES : 'creates' ;
DELETES : 'deletes' ; LISTS : 'lists' ; SEARCHES : 'searches' ; CONNECTS : 'connects' ;
READ : 'read' ; WRITE : 'write' ; APPEND : 'append' ; EXECUTE : 'execute' ; CREATE : 'create' ;
DELETE : 'delete' ; LIST : 'list' ; SEARCH : 'search' ; CONNECT : 'connect' ;
ASSERT : 'assert' ; QUERY : 'query' ; REACH : 'reach' ; NOT : 'not' ; ONLY : 'only' ; ALL : 'all' ;
CAN : 'can' ; WHO : 'who' ; NO : 'no' ; CONFLICTS : 'conflicts' ; THAT : 'that' ;
TYPE : 'type' ; CODE : 'code' ;

ARROW : '->' ; ASSIGN : '=' ; SEMI : ';' ; COMMA : ',' ; COLON : ':' ; DOT : '.' ; SLASH : '/' ;
DASH : '-' ; PIPE : '|' ; STAR : '*' ;
LBRACE : '{' ; RBRACE : '}' ; LBRACK : '[' ; RBRACK : ']' ; LPAREN : '(' ; RPAREN : ')' ;

// Addresses are lexed whole and checked exactly by the binder. An IPv6 token
// needs two colons, so `www:www` and `r1: allow` never look like one.
IPV4 : DIGIT+ '.' DIGIT+ '.' DIGIT+ '.' DIGIT+ ('/' DIGIT+)? ;
IPV6 : HEXDIGIT* ':' (HEXDIGIT | ':')* ':' (HEXDIGIT | ':' | '.')* ('/' DIGIT+)? ;
INT : DIGIT+ ;
IDENT : [a-zA-Z_] ([a-zA-Z0-9_] | '-' [a-zA-Z0-9_])* ;
STRING : '"' (~["\\\r\n] | '\\' .)* '"' ;

LINE_COMMENT : ('//' | '#') ~[\r\n]* -> skip ;
BLOCK_COMMENT : '/*' .*? '*/' -> skip ;
WS : [ \t\r\n]+ -> skip ;
// Anything else is one bad character, reported by the lexer's error listener.
BAD_CHAR : . ;

fragment DIGIT : [0-9] ;
fragment HEXDIGIT : [0-9a-fA-F] ;
