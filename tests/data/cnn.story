SEOUL, South Korea (CNN) -- North Korean leader Kim Jong Un has invited South Korea's president to Pyongyang.

The invitation was delivered by his sister.

@highlight

Kim Jong Un invites Moon Jae-in

@highlight

The  letter was   delivered by Kim Yo Jong
