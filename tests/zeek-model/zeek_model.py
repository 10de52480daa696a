# A line-by-line Python model of Zeek's TCP connection analysis, written from
# Zeek's sources as transcribed in docs/zeek-tshark-rules.md:
# TCPSessionAdapter::Process / UpdateStateMachine / update_history /
# update_last_seq, Connection::CheckHistory / AddHistory / FlipRoles,
# TCPAnalyzer::WantConnection, IsReuse, and conn_state() in
# base/protocols/conn/main.zeek, and the SYN-ACK-first flip of
# TCP_Endpoint::CheckHistory.  Timers are not modelled.
#
# It is a test oracle, independent of src/track/zeek.c (another language, written
# separately, before it): tests/zeek-model/compare.py checks that tcpshake's
# conn_state and history equal this model's on every bundled capture.
import re
INACTIVE,SYN_SENT,SYN_ACK_SENT,PARTIAL,ESTABLISHED,CLOSED,RESET=range(7)
SN=['INACTIVE','SYN_SENT','SYN_ACK_SENT','PARTIAL','ESTABLISHED','CLOSED','RESET']
H_SYN,H_FIN,H_RST,H_FINRST,H_DATA,H_ACK,H_MULTI=1,2,4,8,0x10,0x20,0x40
LIKELY={21,22,25,53,80,81,88,110,135,139,143,389,443,445,502,563,585,587,614,631,636,989,990,992,993,995,1080,1434,2811,3128,3268,3306,3389,5222,5223,5269,6666,6667,6668,6669,8000,8080,8888}
def sd(a,b):
    d=(a-b)&0xffffffff
    return d-(1<<32) if d>=1<<31 else d
class EP:
    def __init__(s,c,o):
        s.c=c; s.is_orig=o; s.state=s.prev=INACTIVE; s.start=0; s.last=0; s.ack=0
        s.hSYN=s.hFIN=s.hRST=0; s.did_close=False; s.FIN_cnt=0; s.peer=None
    def set(s,st):
        if st!=s.state: s.prev=s.state; s.state=st
    def check(s,mask,code):
        # TCP_Endpoint::CheckHistory: a connection whose history is just the
        # SYN-ACK's 'H' flips its roles at the first A or D; history "^h"
        if code in 'AD' and s.c.hist=='H':
            s.c.flip(); s.c.hist='^h'
        if not s.is_orig: mask<<=16; code=code.lower()
        if s.c.hist_seen & mask: return True
        s.c.hist_seen|=mask; s.c.hist+=code; return False
    def add(s,code): s.c.hist+= code if s.is_orig else code.lower()
    def size(s):
        if s.prev==SYN_SENT and s.state==RESET and s.peer.state==INACTIVE and not (sd(s.ack,s.start) in (0,1)): return 0
        hi = s.last if sd(s.last,s.ack)>0 else s.ack
        sz=sd(hi,s.start)
        if sz: sz-=1
        if s.FIN_cnt and sz: sz-=1
        return sz
class Conn:
    def __init__(s,src,dst,flags):
        s.hist=''; s.hist_seen=0; s.orig_addr,s.resp_addr=src,dst
        s.o=EP(s,True); s.r=EP(s,False); s.o.peer=s.r; s.r.peer=s.o
        s.opk=s.rpk=0
        syn='S' in flags; ack='A' in flags
        if (not syn) or ack:
            sp,dp=src[1],dst[1]
            if sp in LIKELY:
                flip = (not syn and sp<dp) if dp in LIKELY else True
                if flip: s.flip()
    def flip(s):
        s.orig_addr,s.resp_addr=s.resp_addr,s.orig_addr
        s.o,s.r=s.r,s.o; s.o.is_orig=True; s.r.is_orig=False
        s.hist+='^'; s.opk,s.rpk=s.rpk,s.opk
    def is_closed(s): return s.o.did_close or s.r.did_close
    def is_reuse(s,flags,seq):
        if 'S' not in flags: return False
        co=s.o
        if 'A' in flags:
            if s.o.state!=INACTIVE: return False
            co=s.r
        if not s.is_closed():
            if seq==co.start: return False
            if 'A' not in flags and co.state==SYN_ACK_SENT and s.r.state==INACTIVE and seq==s.r.start: return False
        return True
    def process(s,is_orig,flags,seq,ack,ln,win=8192):
        SYN,FIN,RST,ACK=[c in flags for c in 'SFRA']
        ep=s.o if is_orig else s.r; pr=ep.peer
        seglen=ln+SYN+FIN-(ln if RST else 0); last=(seq+seglen)&0xffffffff
        # init_endpoint
        if ep.state==INACTIVE:
            if SYN: ep.ack=ep.start=seq
            else: ep.ack=ep.start=(seq-1)&0xffffffff
            ep.last=last if SYN else seq
        elif ep.state in (SYN_SENT,SYN_ACK_SENT):
            if SYN and seq!=ep.start: ep.start=ep.ack=seq; ep.last=last
        elif ep.state in (ESTABLISHED,PARTIAL):
            if SYN: ep.start=ep.ack=seq; ep.last=last
        elif ep.state==RESET and SYN and ep.prev==INACTIVE: ep.start=ep.ack=seq; ep.last=last
        rel=sd(seq,ep.start)
        # update_history
        bits=SYN+FIN+RST
        if bits>1:
            ep.check(H_FINRST,'I') if (FIN and RST) else ep.check(H_MULTI,'Q')
        elif bits==1:
            if SYN:
                code='H' if ACK else 'S'
                if ep.check(H_SYN,code) and rel!=ep.hSYN: ep.add(code)
                ep.hSYN=rel
            if FIN:
                if ep.check(H_FIN,'F') and rel+ln!=ep.hFIN: ep.add('F')
                ep.hFIN=rel+ln
            if RST:
                if ep.check(H_RST,'R') and rel!=ep.hRST: ep.add('R')
                ep.hRST=rel
        else:
            if ln: ep.check(H_DATA,'D')
            elif ACK: ep.check(H_ACK,'A')
        if win==0 and not RST and pr.state!=CLOSED and ep.state!=RESET: s.scaled(ep,'W')
        if FIN: ep.FIN_cnt+=1
        if ACK:
            if pr.state==INACTIVE: pr.start=pr.ack=pr.last=(ack-1)&0xffffffff
            elif not RST and sd(ack,pr.ack)>0: pr.ack=ack
        # update_last_seq
        dl=sd(last,ep.last)
        if (SYN or RST) and abs(dl)>1048576: pass
        elif FIN and ep.last==((ep.start+1)&0xffffffff): ep.last=last
        elif ep.state==RESET: pass
        elif dl>0: ep.last=last
        elif ln>0: ep.rxmt=getattr(ep,'rxmt',0)+1; s.scaled(ep,'T')
        do_close=False
        st=ep.state
        if st==INACTIVE:
            if SYN:
                if is_orig: ep.set(SYN_ACK_SENT if ACK else SYN_SENT)
                else:
                    if not ACK and pr.state==SYN_ACK_SENT and seq==ep.start:
                        s.flip(); pr.set(ESTABLISHED)
                    if pr.state==SYN_SENT: pr.set(ESTABLISHED)
                    ep.set(ESTABLISHED)
            if FIN: ep.set(CLOSED); do_close=True
            if RST: ep.set(RESET); do_close=True
            if ep.state==INACTIVE:
                if not is_orig and ln==0 and s.o.state==SYN_SENT: pass
                elif ACK and pr.state==ESTABLISHED: ep.set(ESTABLISHED)
                else: ep.set(PARTIAL)
        elif st in (SYN_SENT,SYN_ACK_SENT):
            if FIN: ep.set(CLOSED); do_close=True
            if RST: ep.set(RESET); do_close=True
        elif st in (ESTABLISHED,PARTIAL):
            if SYN and st==PARTIAL and pr.state==INACTIVE and not ACK: ep.set(SYN_SENT)
            if FIN and not RST:
                ep.set(CLOSED)
                if pr.state==RESET and pr.prev==CLOSED: pr.set(CLOSED)
                do_close=True
            if RST: ep.set(RESET); do_close=True
        elif st==CLOSED:
            if RST and ep.peer.state!=CLOSED:
                ep.set(RESET)
                if not ep.did_close: do_close=True
        if do_close: ep.did_close=True   # no reassembler data pending assumed
        # ConnSize child counts AFTER Process, with the pre-flip is_orig
        if is_orig: s.opk+=1
        else: s.rpk+=1
    def scaled(s,ep,code): # first occurrence only modelled (1,10,100 thresholds)
        n=getattr(ep,'cnt_'+code,0)+1; setattr(ep,'cnt_'+code,n)
        if n in (1,10,100,1000): ep.add(code)
    def conn_state(s):
        os,rs=s.o.state,s.r.state
        oi=os in (INACTIVE,PARTIAL); ri=rs in (INACTIVE,PARTIAL)
        if rs==RESET:
            if os in (SYN_SENT,SYN_ACK_SENT) or (os==RESET and s.o.size()==0 and s.r.size()==0): return 'REJ'
            return 'RSTRH' if oi else 'RSTR'
        if os==RESET:
            if ri: return 'RSTOS0' if re.fullmatch(r'\^?S[^HAFGIQ]*R.*',s.hist) else 'OTH'
            return 'RSTO'
        if rs==CLOSED and os==CLOSED: return 'SF'
        if os==CLOSED: return 'SH' if ri else 'S2'
        if rs==CLOSED: return 'SHR' if oi else 'S3'
        if os==SYN_SENT and rs==INACTIVE: return 'S0'
        if os==ESTABLISHED and rs==ESTABLISHED: return 'S1'
        return 'OTH'
def run(pkts):
    """pkts: list of (src(addr,port), dst, flags, seq, ack, len, win), in
    capture order.  Returns the connections in order of creation; one live
    connection per 4-tuple, replaced when Zeek's IsReuse says so."""
    conns = []
    live = {}
    for src, dst, fl, seq, ack, ln, win in pkts:
        key = frozenset((src, dst))
        cur = live.get(key)
        if cur is None or cur.is_reuse(fl, seq):
            cur = Conn(src, dst, fl)
            conns.append(cur)
            live[key] = cur
        cur.process(src == cur.orig_addr, fl, seq, ack, ln, win)
    return conns
